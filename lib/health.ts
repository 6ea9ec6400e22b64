import type { Db } from "./db/client";
import { pendingMigrations } from "./db/migrate";
import { prismaSql } from "./db/sql";
import { freshWorkers } from "./worker-heartbeat";

// A worker writes its heartbeat every HEARTBEAT_INTERVAL_MS; three missed beats mean it is gone.
export const HEARTBEAT_INTERVAL_MS = 5_000;
export const HEARTBEAT_STALE_MS = 3 * HEARTBEAT_INTERVAL_MS;

export type Health = { ok: boolean; checks: { database: string; migrations: string; worker: string } };

export async function checkHealth(dbc: Db, now = new Date()): Promise<Health> {
  const checks = { database: "ok", migrations: "ok", worker: "ok" };
  try {
    await dbc.$queryRaw`SELECT 1`;
  } catch {
    return { ok: false, checks: { database: "unreachable", migrations: "unknown", worker: "unknown" } };
  }
  const pending = await pendingMigrations((sql) => dbc.$queryRawUnsafe(sql).then((rows) => ({ rows: rows as never })));
  if (pending.length > 0) checks.migrations = `pending: ${pending.join(", ")}`;
  const fresh = await freshWorkers(prismaSql(dbc), new Date(now.getTime() - HEARTBEAT_STALE_MS));
  if (fresh === 0) checks.worker = "no worker heartbeat in the last 15 s";
  return { ok: pending.length === 0 && fresh > 0, checks };
}
