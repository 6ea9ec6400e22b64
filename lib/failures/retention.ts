import type pg from "pg";

export const RETENTION_DAYS = 30;

export type PurgeResult = { failures: number; events: number; redeliveries: number };

/**
 * Deletes failed-delivery records older than the 30-day list, and events older than that which no
 * cursor still needs and no listed failure can redeliver, and finished redeliveries of that age.
 * Works in short batches, each its own statement, so no table is locked for long.
 */
export async function purgeExpired(pool: pg.Pool, now = new Date(), batchSize = 5_000): Promise<PurgeResult> {
  const cutoff = new Date(now.getTime() - RETENTION_DAYS * 24 * 3600_000);
  let failures = 0;
  for (;;) {
    const r = await pool.query(
      `DELETE FROM delivery_failures WHERE id IN (SELECT id FROM delivery_failures WHERE attempted_at < $1 LIMIT $2)`,
      [cutoff, batchSize],
    );
    failures += r.rowCount ?? 0;
    if ((r.rowCount ?? 0) < batchSize) break;
  }
  let events = 0;
  for (;;) {
    const r = await pool.query(
      `DELETE FROM events WHERE (organization_id, seq) IN (
         SELECT e.organization_id, e.seq FROM events e
         WHERE e.created_at < $1
           AND e.seq <= coalesce((SELECT min(c.cursor) FROM connections c WHERE c.organization_id = e.organization_id), e.seq)
           AND NOT EXISTS (SELECT 1 FROM delivery_failures f WHERE f.organization_id = e.organization_id AND f.event_seq = e.seq)
         LIMIT $2)`,
      [cutoff, batchSize],
    );
    events += r.rowCount ?? 0;
    if ((r.rowCount ?? 0) < batchSize) break;
  }
  const redeliveries = await pool.query(
    "DELETE FROM redeliveries WHERE created_at < $1 AND status IN ('COMPLETED', 'CANCELLED')",
    [cutoff],
  );
  return { failures, events, redeliveries: redeliveries.rowCount ?? 0 };
}
