import type pg from "pg";
import { purgeEvents } from "../events/event-store";
import { listsEventSql, purgeFailures, retentionFloor } from "./failure-store";
import { purgeStats } from "../health/stats-store";
import { purgeFinishedRedeliveries } from "./redelivery-store";

export type PurgeResult = { failures: number; events: number; redeliveries: number; statsMinutes: number };

/**
 * Deletes failed-delivery records older than the 30-day list, and events older than that which no
 * cursor still needs and no listed failure can redeliver, finished redeliveries of that age, and
 * per-minute statistics older than the charts show (8 days).
 * Works in short batches, each its own statement, so no table is locked for long.
 */
export async function purgeExpired(pool: pg.Pool, now = new Date(), batchSize = 5_000): Promise<PurgeResult> {
  const failures = await purgeFailures(pool, now, batchSize);
  const events = await purgeEvents(pool, retentionFloor(now), listsEventSql("e.organization_id", "e.seq"), batchSize);
  const redeliveries = await purgeFinishedRedeliveries(pool, retentionFloor(now));
  const statsMinutes = await purgeStats(pool, now, batchSize);
  return { failures, events, redeliveries, statsMinutes };
}
