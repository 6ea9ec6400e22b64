import crypto from "node:crypto";
import os from "node:os";
import type pg from "pg";
import type { Sql } from "./db/sql";

// The worker writes its heartbeat with node-postgres: it runs without the ORM (smaller, faster to start).
type Queryable = Pick<pg.Pool, "query">;

export function newWorkerId(): string {
  return `${os.hostname()}-${process.pid}-${crypto.randomBytes(3).toString("hex")}`;
}

export async function beat(pool: Queryable, workerId: string, startedAt: Date, now = new Date()) {
  await pool.query(
    `INSERT INTO worker_heartbeats (worker_id, hostname, pid, started_at, seen_at) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (worker_id) DO UPDATE SET seen_at = EXCLUDED.seen_at`,
    [workerId, os.hostname(), process.pid, startedAt, now],
  );
}

export async function forget(pool: Queryable, workerId: string) {
  await pool.query("DELETE FROM worker_heartbeats WHERE worker_id = $1", [workerId]);
}

/** Heartbeats of workers gone for a day are noise in the table. */
export async function purgeOldHeartbeats(pool: Queryable, now = new Date()): Promise<number> {
  const r = await pool.query("DELETE FROM worker_heartbeats WHERE seen_at < $1", [new Date(now.getTime() - 24 * 3600_000)]);
  return r.rowCount ?? 0;
}

/** How many workers beat since `since` (the web app's health check asks through Prisma). */
export async function freshWorkers(sql: Sql, since: Date): Promise<number> {
  const rows = await sql.rows<{ n: number }>("SELECT count(*)::int AS n FROM worker_heartbeats WHERE seen_at >= $1", [since]);
  return rows[0]?.n ?? 0;
}
