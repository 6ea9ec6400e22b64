import pg from "pg";
import { databaseUrl } from "./url";

// Hot paths (ingest, streaming) use node-postgres directly: one round trip per query, no ORM.
const holder = globalThis as unknown as { __tributaryPool?: pg.Pool };

export function createPool(url: string, max = 10, options?: string, idleTimeoutMillis = 10_000): pg.Pool {
  // A request waits at most 5 s for a connection: with the database down it fails (503), it does not hang.
  // TCP keepalives on sessions kept idle keep a NAT's mapping and find a vanished server.
  const pool = new pg.Pool({
    connectionString: url,
    max,
    application_name: "tributary",
    options,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis,
    keepAlive: true,
    keepAliveInitialDelayMillis: 30_000,
  });
  // An idle client that loses its connection must not crash the process.
  pool.on("error", () => undefined);
  return pool;
}

export function pgPool(): pg.Pool {
  holder.__tributaryPool ??= createPool(databaseUrl());
  return holder.__tributaryPool;
}

/**
 * The worker's pool. Right after a burst of inserts the planner's statistics say an organization
 * has few events after a cursor, so it picks a bitmap scan plus sort over every remaining event
 * (measured: 28–183 ms per read of 500 with a 100,000-event backlog) instead of walking the
 * (organization_id, seq) index in order (0.4 ms). Nothing the worker runs needs bitmap scans.
 */
export function createWorkerPool(url: string, max = 10): pg.Pool {
  // Sessions stay open for 4 minutes idle (an idle session runs nothing): the next burst does not
  // wait for new backends to start and authenticate.
  return createPool(url, max, "-c enable_bitmapscan=off", 240_000);
}

/**
 * Opens all of a pool's sessions now (the worker's, which keeps them open a while): the first burst
 * of deliveries after a start then does not also pay for starting and authenticating new backends.
 */
export async function openSessions(pool: pg.Pool): Promise<void> {
  const clients = await Promise.all(Array.from({ length: pool.options.max }, () => pool.connect()));
  for (const client of clients) client.release();
}

/**
 * Runs `fn` in one transaction: committed when it returns, rolled back when it throws. The only
 * hand-written BEGIN/COMMIT: on a client of `db` when it is a pool (released afterwards), or on
 * `db` itself when it is a client the caller holds (e.g. under a session lock).
 */
export async function withTransaction<T>(db: pg.Pool | pg.ClientBase, fn: (client: pg.ClientBase) => Promise<T>): Promise<T> {
  const held = db instanceof pg.Pool ? await holdClient(db) : null;
  const client = held?.client ?? (db as pg.ClientBase);
  try {
    await client.query("BEGIN");
    const result = await fn(client);
    await client.query("COMMIT");
    return result;
  } catch (err) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw err;
  } finally {
    held?.release();
  }
}

/**
 * A client of the pool held across several statements. node-postgres emits `error` on a held client
 * whose connection is lost between statements (the database was killed or restarted), and with no
 * listener that would end the process; here it fails the next statement instead, and the client is
 * discarded when released.
 */
export async function holdClient(pool: pg.Pool): Promise<{ client: pg.PoolClient; release: () => void }> {
  const client = await pool.connect();
  let lost: Error | undefined;
  const onError = (err: Error) => {
    lost = err;
  };
  client.on("error", onError);
  return {
    client,
    release: () => {
      client.off("error", onError);
      client.release(lost);
    },
  };
}
