import http from "node:http";
import next from "next";
import { CLIENT_ADDRESS_HEADER, markServedByTributary, resolveClientAddress } from "../lib/api/client-address";
import { loadConfig } from "../lib/config";
import { createLogger } from "../lib/log";

// The web process: Next.js's own request handler (the one `next start` uses) behind a plain
// http.Server. It exists for one reason: route handlers and server actions cannot see the
// socket, and Next.js keeps a client-supplied X-Forwarded-For as it is, so a client could choose
// its own audit-log IP and sign-in rate-limit key. Here every request gets the address the
// socket (and TRUST_PROXY_HOPS trusted proxies) vouch for, overwriting whatever the client sent.

const dev = process.argv.includes("--dev");
const config = loadConfig();
const logger = createLogger("web", config.logLevel);
markServedByTributary();

const app = next({ dev, port: config.port, hostname: "localhost" });
await app.prepare();
const handle = app.getRequestHandler();

const server = http.createServer((req, res) => {
  req.headers[CLIENT_ADDRESS_HEADER] = resolveClientAddress(req.socket.remoteAddress, req.headers["x-forwarded-for"], config.trustProxyHops) ?? "";
  handle(req, res).catch((err: unknown) => {
    logger.error({ err, url: req.url }, "request failed");
    if (!res.headersSent) res.statusCode = 500;
    res.end();
  });
});
// (In development Next.js attaches its hot-reload WebSocket handler to this server by itself.)
server.listen(config.port, () => logger.info({ port: config.port, trustProxyHops: config.trustProxyHops }, "web app listening"));

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  // Finish requests in flight; idle keep-alive sockets would otherwise hold close() open.
  server.close(() => process.exit(0));
  server.closeIdleConnections();
  setTimeout(() => process.exit(0), 10_000).unref();
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
