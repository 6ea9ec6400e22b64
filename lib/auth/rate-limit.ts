import type pg from "pg";
import type { Db } from "../db/client";

export type RateLimitRule = { key: string; max: number };

/** Start of the fixed window that `now` falls in. */
export function windowStart(now: Date, windowSeconds: number): Date {
  const ms = windowSeconds * 1000;
  return new Date(Math.floor(now.getTime() / ms) * ms);
}

/**
 * Counts one attempt against every rule (in the database, so all web instances share the
 * counters) and returns the seconds until the window resets if any rule is over its limit.
 */
export async function hitRateLimits(
  dbc: Db,
  rules: RateLimitRule[],
  windowSeconds: number,
  now = new Date(),
): Promise<{ limited: false } | { limited: true; retryAfterSeconds: number }> {
  const start = windowStart(now, windowSeconds);
  let limited = false;
  for (const rule of rules) {
    const rows = await dbc.$queryRaw<{ count: number }[]>`
      INSERT INTO rate_limit_hits (key, window_start, count) VALUES (${rule.key}, ${start}, 1)
      ON CONFLICT (key, window_start) DO UPDATE SET count = rate_limit_hits.count + 1
      RETURNING count`;
    if ((rows[0]?.count ?? 0) > rule.max) limited = true;
  }
  if (!limited) return { limited: false };
  return { limited: true, retryAfterSeconds: Math.ceil((start.getTime() + windowSeconds * 1000 - now.getTime()) / 1000) };
}

/** Drops counters of windows that ended; the worker's maintenance job calls it (with node-postgres). */
export async function purgeExpiredRateLimits(pool: Pick<pg.Pool, "query">, windowSeconds: number, now = new Date()): Promise<number> {
  const r = await pool.query("DELETE FROM rate_limit_hits WHERE window_start < $1", [new Date(now.getTime() - windowSeconds * 1000)]);
  return r.rowCount ?? 0;
}

export async function clearRateLimit(dbc: Db, key: string) {
  await dbc.rateLimitHit.deleteMany({ where: { key } });
}
