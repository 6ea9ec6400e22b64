import type pg from "pg";
import { LATENCY_BUCKETS } from "./latency-histogram";

// Every statement on `connection_stats` (node-postgres; see README › Architecture › Stores): one row
// per connection and minute, added to by every worker, read back in buckets for the health charts.

type Db = Pick<pg.Pool, "query">;

/** The charts look back at most 7 days; a day more is kept so the oldest bucket is whole. */
export const STATS_RETENTION_DAYS = 8;

export type MinuteStats = { connectionId: string; minute: number; delivered: number; failed: number; latency: number[] };

/**
 * Adds minutes of statistics in one statement. Additive, so workers (a stream, a redelivery run)
 * counting the same connection and minute sum up; rows are written in key order, so two workers'
 * flushes cannot deadlock. Minutes of connections deleted meanwhile are dropped.
 */
export async function addMinuteStats(db: Db, rows: readonly MinuteStats[]): Promise<void> {
  if (rows.length === 0) return;
  await db.query(
    `INSERT INTO connection_stats AS s (connection_id, minute, organization_id, delivered, failed, latency_buckets)
     SELECT u.cid, u.minute, c.organization_id, u.delivered, u.failed, u.latency::int[]
     FROM unnest($1::uuid[], $2::timestamptz[], $3::int[], $4::int[], $5::text[]) AS u(cid, minute, delivered, failed, latency)
     JOIN connections c ON c.id = u.cid
     ORDER BY u.cid, u.minute
     ON CONFLICT (connection_id, minute) DO UPDATE SET
       delivered = s.delivered + excluded.delivered,
       failed = s.failed + excluded.failed,
       latency_buckets = ARRAY(SELECT coalesce(a, 0) + coalesce(b, 0)
                               FROM unnest(s.latency_buckets, excluded.latency_buckets) WITH ORDINALITY AS t(a, b, i) ORDER BY i)`,
    [
      rows.map((r) => r.connectionId),
      rows.map((r) => new Date(r.minute)),
      rows.map((r) => r.delivered),
      rows.map((r) => r.failed),
      rows.map((r) => `{${r.latency.join(",")}}`),
    ],
  );
}

export type StatsBucket = { start: number; delivered: number; failed: number; latency: number[] };

// Bucket by bucket sums of the histograms, without unnesting every row.
const LATENCY_SUMS = Array.from({ length: LATENCY_BUCKETS }, (_, i) => `coalesce(sum(latency_buckets[${i + 1}]), 0)`).join(", ");

/** A connection's minutes in [from, until), summed into buckets of `bucketSeconds` aligned to the epoch; only buckets with rows. */
export async function statsBuckets(
  db: Db,
  organizationId: string,
  connectionId: string,
  range: { from: Date; until: Date; bucketSeconds: number },
): Promise<StatsBucket[]> {
  const { rows } = await db.query<{ start_s: string; delivered: string; failed: string; latency: number[] }>(
    `SELECT (floor(extract(epoch FROM minute) / $5) * $5)::bigint::text AS start_s,
            sum(delivered)::text AS delivered, sum(failed)::text AS failed, ARRAY[${LATENCY_SUMS}]::float8[] AS latency
     FROM connection_stats
     WHERE connection_id = $1 AND organization_id = $2 AND minute >= $3 AND minute < $4
     GROUP BY 1 ORDER BY 1`,
    [connectionId, organizationId, range.from, range.until, range.bucketSeconds],
  );
  return rows.map((r) => ({ start: Number(r.start_s) * 1000, delivered: Number(r.delivered), failed: Number(r.failed), latency: r.latency }));
}

/** Deletes minutes older than the charts show, `batchSize` rows per statement. Returns how many. */
export async function purgeStats(db: Db, now = new Date(), batchSize = 5_000): Promise<number> {
  const floor = new Date(now.getTime() - STATS_RETENTION_DAYS * 24 * 3600_000);
  let purged = 0;
  for (;;) {
    const r = await db.query(
      "DELETE FROM connection_stats WHERE (connection_id, minute) IN (SELECT connection_id, minute FROM connection_stats WHERE minute < $1 LIMIT $2)",
      [floor, batchSize],
    );
    purged += r.rowCount ?? 0;
    if ((r.rowCount ?? 0) < batchSize) return purged;
  }
}
