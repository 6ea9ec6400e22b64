import http from "node:http";
import type { AddressInfo } from "node:net";
import { gunzipSync } from "node:zlib";

// A loopback receiver in its own process (so its CPU is not the worker's): counts requests and the
// events they carry (one per request, or a batch: JSON array, NDJSON lines, HEC envelopes; gunzipped
// when compressed) and, when asked, records each event's arrival time by id. Mode "timeout" never
// answers; mode "poison" answers 400 to any request holding an event with `"poison":true`.

type Mode = "ok" | "timeout" | "poison";
type Message = { cmd: "stats" } | { cmd: "reset"; track: boolean } | { cmd: "mode"; mode: Mode };

let mode: Mode = "ok";
let track = false;
let count = 0;
let requests = 0;
let rejected = 0;
let firstAt = 0;
let lastAt = 0;
let arrivals: Record<string, number> = {};
// Each event's id is the first key of its JSON object (the wire order), wherever the event sits in the body.
const IDS = /\{"id":"([0-9a-f-]{36})"/g;
const now = () => performance.timeOrigin + performance.now();

const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    const at = now();
    if (mode === "timeout") return; // hold the request open until the client gives up
    requests++;
    const wire = Buffer.concat(chunks);
    const text = (req.headers["content-encoding"] === "gzip" ? gunzipSync(wire) : wire).toString("utf8");
    if (mode === "poison" && text.includes('"poison":true')) {
      rejected++;
      res.writeHead(400, { "content-type": "application/json" });
      res.end('{"error":"poison"}');
      return;
    }
    const ids = [...text.matchAll(IDS)].map((m) => m[1]!);
    count += ids.length;
    if (!firstAt) firstAt = at;
    lastAt = at;
    if (track) for (const id of ids) arrivals[id] = at;
    res.writeHead(200, { "content-type": "application/json" });
    res.end('{"ok":true}');
  });
});
server.keepAliveTimeout = 60_000;

process.on("message", (m: Message) => {
  if (m.cmd === "stats") process.send?.({ count, requests, rejected, firstAt, lastAt, arrivals });
  else if (m.cmd === "reset") {
    count = 0;
    requests = 0;
    rejected = 0;
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
