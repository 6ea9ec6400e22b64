import { AppError } from "../errors";

// When PostgreSQL is down, restarting or out of disk, requests get a 503 that says so (and a
// Retry-After), not a generic 500. Errors arrive from node-postgres directly or wrapped by Prisma
// (a P1001/P1017 code, or a driver adapter error inside `meta`), so the whole chain is searched.

const SOCKET_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "EAI_AGAIN"]);
const PRISMA_CODES = new Set(["P1001", "P1002", "P1008", "P1017", "P2024"]);
const ADAPTER_KINDS = new Set(["DatabaseNotReachable", "ConnectionClosed", "SocketTimeout", "TooManyConnections"]);
// SQLSTATE: connection exceptions (08…), shutting down or starting up (57P01-57P03), too many connections, out of resources.
const UNAVAILABLE_STATES = /^(08...|57P0[123]|53300|53200|58030)$/;
const DISK_FULL = "53100";
const MESSAGES = /Connection terminated|timeout exceeded when trying to connect|Can't reach database server|the database system is (starting up|shutting down|in recovery mode)|Client has encountered a connection error/i;

type Link = { code?: unknown; kind?: unknown; message?: unknown; cause?: unknown; meta?: { driverAdapterError?: unknown } };

function* chain(err: unknown): Generator<Link> {
  const seen = new Set<unknown>();
  const queue: unknown[] = [err];
  while (queue.length > 0 && seen.size < 12) {
    const e = queue.shift();
    if (!e || typeof e !== "object" || seen.has(e)) continue;
    seen.add(e);
    const link = e as Link;
    yield link;
    queue.push(link.cause, link.meta?.driverAdapterError);
  }
}

/** The 503 to answer with when `err` means the database cannot be used right now, or null. */
export function databaseUnavailable(err: unknown): AppError | null {
  let down = false;
  for (const e of chain(err)) {
    const code = typeof e.code === "string" ? e.code : undefined;
    if (code === DISK_FULL) {
      return new AppError("DATABASE_UNAVAILABLE", "The database's disk is full, so nothing can be saved right now. Nothing was changed; try again once the operator has freed space.", {
        reason: "disk_full",
      });
    }
    if (
      (code && (SOCKET_CODES.has(code) || PRISMA_CODES.has(code) || UNAVAILABLE_STATES.test(code))) ||
      (typeof e.kind === "string" && ADAPTER_KINDS.has(e.kind)) ||
      (typeof e.message === "string" && MESSAGES.test(e.message))
    ) {
      down = true;
    }
  }
  return down
    ? new AppError("DATABASE_UNAVAILABLE", "The database is unavailable (restarting or unreachable). Nothing was changed; try again in a few seconds.", {
        reason: "unreachable",
      })
    : null;
}
