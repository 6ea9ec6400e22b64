import crypto from "node:crypto";
import type pg from "pg";

// Which stream workers are alive, without writing anything: each holds a session advisory lock
// (PRESENCE_LOCK, its key) on its control session. PostgreSQL drops the lock the moment that session
// ends (a SIGKILLed worker's socket closes at once), and every worker reads the others from pg_locks.

type Db = Pick<pg.ClientBase, "query">;

/** Advisory lock class (first key) of worker presence; the second key is the worker's. */
export const PRESENCE_LOCK = 72707380;
/** Advisory lock class of stream slots (lib/delivery/stream-slots.ts); the second key is the slot. */
export const SLOT_LOCK = 72707381;

/** Takes a presence key no other live worker holds, on `session` (which must stay open). */
export async function claimPresence(session: Db): Promise<number> {
  for (;;) {
    const key = crypto.randomInt(1, 2 ** 31 - 1);
    const { rows } = await session.query<{ ok: boolean }>("SELECT pg_try_advisory_lock($1, $2) AS ok", [PRESENCE_LOCK, key]);
    if (rows[0]?.ok) return key;
  }
}

/** The SQL of the live workers' keys in this database (pg_locks lists every database of the server). */
export const LIVE_WORKERS_SQL = `
  SELECT coalesce(array_agg(l.objid::int ORDER BY l.objid), '{}') FROM pg_locks l
  WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2 AND l.classid = ${PRESENCE_LOCK}
    AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`;

/** The keys of the workers alive now. */
export async function liveWorkers(db: Db): Promise<number[]> {
  const { rows } = await db.query<{ keys: number[] }>(`SELECT (${LIVE_WORKERS_SQL}) AS keys`);
  return rows[0]?.keys ?? [];
}

/** Which worker (by database session pid) holds which stream slots; for operators and the benchmark. */
export async function slotHolders(db: Db): Promise<Map<number, number[]>> {
  const { rows } = await db.query<{ pid: number; slots: number[] }>(
    `SELECT l.pid, array_agg(l.objid::int ORDER BY l.objid) AS slots FROM pg_locks l
     WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2 AND l.classid = ${SLOT_LOCK}
       AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
     GROUP BY l.pid`,
  );
  return new Map(rows.map((r) => [r.pid, r.slots]));
}
