import net from "node:net";

// A destination written on raw TCP, for answers no well-behaved HTTP server gives: silence, a
// byte every so often, a 10 MB body, a reset half way. Each request is read whole first (headers
// and Content-Length body), then answered by the current behaviour; every answer closes the socket.

export type Behaviour = "ok" | "silent" | "drip-body" | "huge-error" | "huge-ok" | "reset-mid-body" | "reset-before-answer";

const TEN_MB = 10 * 1024 * 1024;

export type Answered = { behaviour: Behaviour; body: string; closed: boolean; bytesTaken: number };

export type RawDestination = {
  url: string;
  requests: number;
  /** Each request's body, how it was answered, and (once its connection closed) the bytes the client took. */
  log: Answered[];
  /** Answer every following request this way. */
  behave: (b: Behaviour) => void;
  /** Answer the next requests these ways, one each, then as `behave` said. */
  next: (...bs: Behaviour[]) => void;
  close: () => Promise<void>;
};

export async function startRawDestination(path = "/intake"): Promise<RawDestination> {
  let standing: Behaviour = "ok";
  const queued: Behaviour[] = [];
  const sockets = new Set<net.Socket>();
  const state = { requests: 0 };
  const log: Answered[] = [];

  function answer(sock: net.Socket, body: string) {
    state.requests++;
    const behaviour = queued.shift() ?? standing;
    const entry: Answered = { behaviour, body, closed: false, bytesTaken: 0 };
    log.push(entry);
    const timers: NodeJS.Timeout[] = [];
    sock.on("close", () => {
      timers.forEach(clearInterval);
      entry.closed = true;
      entry.bytesTaken = sock.bytesWritten;
    });
    switch (behaviour) {
      case "ok":
        sock.end("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
        return;
      case "silent":
        return;
      case "drip-body":
        // One byte every 100 ms: never a gap long enough for a per-read timeout.
        sock.write("HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n");
        timers.push(setInterval(() => sock.write("."), 100));
        return;
      case "huge-error":
      case "huge-ok": {
        const status = behaviour === "huge-ok" ? "200 OK" : "500 Internal Server Error";
        sock.write(`HTTP/1.1 ${status}\r\nContent-Length: ${TEN_MB}\r\nContent-Type: text/plain\r\n\r\n`);
        const chunk = Buffer.alloc(64 * 1024, "E");
        let sent = 0;
        const pump = () => {
          while (sent < TEN_MB && !sock.destroyed) {
            sent += chunk.length;
            if (!sock.write(chunk)) return void sock.once("drain", pump);
          }
        };
        pump();
        return;
      }
      case "reset-mid-body":
        sock.write("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 5000\r\n\r\nupstream busy, partial answer");
        setTimeout(() => sock.resetAndDestroy(), 50);
        return;
      case "reset-before-answer":
        sock.resetAndDestroy();
        return;
    }
  }

  const server = net.createServer((sock) => {
    sockets.add(sock);
    sock.on("close", () => sockets.delete(sock));
    sock.on("error", () => undefined);
    let buffered = Buffer.alloc(0);
    const onData = (data: Buffer) => {
      buffered = Buffer.concat([buffered, data]);
      const end = buffered.indexOf("\r\n\r\n");
      if (end < 0) return;
      const length = Number(/content-length:\s*(\d+)/i.exec(buffered.subarray(0, end).toString("latin1"))?.[1] ?? 0);
      if (buffered.length < end + 4 + length) return;
      sock.off("data", onData);
      answer(sock, buffered.subarray(end + 4, end + 4 + length).toString("utf8"));
    };
    sock.on("data", onData);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}${path}`,
    get requests() {
      return state.requests;
    },
    log,
    behave: (b) => {
      standing = b;
    },
    next: (...bs) => {
      queued.push(...bs);
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
