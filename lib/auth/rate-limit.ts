import type pg from "pg";
import type { Db } from "../db/client";

// Counters shared by every web instance (PostgreSQL), for rare and expensive things: sign-in
// attempts, first-run set-up, destination tests. Per-request API limits live in memory
// (lib/api/rate-limiter.ts).

export type RateLimitRule = { key: string; max: number };
export type Limited = { limited: false } | { limited: true; retryAfterSeconds: number };

/** Start of the fixed window that `now` falls in. */
export function windowStart(now: Date, windowSeconds: number): Date {
  const ms = windowSeconds * 1000;
  return new Date(Math.floor(now.getTime() / ms) * ms);
}

/** Seconds until the window that `now` falls in ends. */
export function secondsLeftInWindow(now: Date, windowSeconds: number): number {
  return Math.max(1, Math.ceil((windowStart(now, windowSeconds).getTime() + windowSeconds * 1000 - now.getTime()) / 1000));
}

/**
 * Adds `by` (default 1 each; 0 just reads) to each key's counter of the current window in one
 * statement and returns the counts after it, in the order of `keys`.
 */
export async function hitCounters(dbc: Db, keys: string[], windowSeconds: number, now = new Date(), by: number[] = keys.map(() => 1)): Promise<number[]> {
  const start = windowStart(now, windowSeconds);
  const rows = await dbc.$queryRaw<{ key: string; count: number }[]>`
    INSERT INTO rate_limit_hits (key, window_start, count)
    SELECT k, ${start}, n FROM unnest(${keys}::text[], ${by}::int[]) AS t(k, n)
    ON CONFLICT (key, window_start) DO UPDATE SET count = rate_limit_hits.count + EXCLUDED.count
    RETURNING key, count`;
  const byKey = new Map(rows.map((r) => [r.key, Number(r.count)]));
  return keys.map((k) => byKey.get(k) ?? 0);
}

/**
 * Counts one attempt against every rule (in the database, so all web instances share the
 * counters) and returns the seconds until the window resets if any rule is over its limit.
 */
export async function hitRateLimits(dbc: Db, rules: RateLimitRule[], windowSeconds: number, now = new Date()): Promise<Limited> {
  const counts = await hitCounters(
    dbc,
    rules.map((r) => r.key),
    windowSeconds,
    now,
  );
  if (!rules.some((r, i) => counts[i]! > r.max)) return { limited: false };
  return { limited: true, retryAfterSeconds: secondsLeftInWindow(now, windowSeconds) };
}

/** Drops counters of windows that ended; the worker's maintenance job calls it (with node-postgres). */
export async function purgeExpiredRateLimits(pool: Pick<pg.Pool, "query">, windowSeconds: number, now = new Date()): Promise<number> {
  const r = await pool.query("DELETE FROM rate_limit_hits WHERE window_start < $1", [new Date(now.getTime() - windowSeconds * 1000)]);
  return r.rowCount ?? 0;
}

export async function clearRateLimit(dbc: Db, key: string) {
  await dbc.rateLimitHit.deleteMany({ where: { key } });
}
