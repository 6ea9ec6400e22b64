import http from "node:http";
import type { AddressInfo } from "node:net";

// A loopback receiver in its own process (so its CPU is not the worker's): counts requests and,
// when asked, records each event's arrival time by id. Mode "timeout" never answers.

type Message = { cmd: "stats" } | { cmd: "reset"; track: boolean } | { cmd: "mode"; mode: "ok" | "timeout" };

let mode: "ok" | "timeout" = "ok";
let track = false;
let count = 0;
let firstAt = 0;
let lastAt = 0;
let arrivals: Record<string, number> = {};
const ID = /^\{"id":"([0-9a-f-]{36})"/;
const now = () => performance.timeOrigin + performance.now();

const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    const at = now();
    if (mode === "timeout") return; // hold the request open until the client gives up
    count++;
    if (!firstAt) firstAt = at;
    lastAt = at;
    if (track) {
      const m = ID.exec(Buffer.concat(chunks).toString("utf8"));
      if (m?.[1]) arrivals[m[1]] = at;
    }
    res.writeHead(200, { "content-type": "application/json" });
    res.end('{"ok":true}');
  });
});
server.keepAliveTimeout = 60_000;

process.on("message", (m: Message) => {
  if (m.cmd === "stats") process.send?.({ count, firstAt, lastAt, arrivals });
  else if (m.cmd === "reset") {
    count = 0;
    firstAt = 0;
    lastAt = 0;
    arrivals = {};
    track = m.track;
    process.send?.({ ok: true });
  } else if (m.cmd === "mode") {
    mode = m.mode;
    process.send?.({ ok: true });
  }
});
process.on("disconnect", () => process.exit(0));

server.listen(0, "127.0.0.1", () => process.send?.({ port: (server.address() as AddressInfo).port }));
