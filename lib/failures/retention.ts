import type pg from "pg";
import { dropExpiredEventPartitions } from "../events/event-partitions";
import { purgeEventTypes } from "../events/event-type-catalog";
import { purgeStats } from "../health/stats-store";
import { dropExpiredFailurePartitions, retentionFloor } from "./failure-store";
import { purgeFinishedRedeliveries } from "./redelivery-store";

export type PurgeResult = { failurePartitions: string[]; eventPartitions: string[]; redeliveries: number; statsMinutes: number; eventTypes: number };

/**
 * Drops the weeks of failed-delivery records older than the 30-day list, then the event partitions
 * that are older than that and that no cursor still needs and no listed failure can redeliver
 * (event-partitions.ts), deletes finished redeliveries of that age and per-minute statistics older
 * than the charts show (8 days, in short batches), and the event types (offered to filters) not
 * seen for 30 days. Whole partitions go: no row-by-row delete of
 * events or attempts.
 */
export async function purgeExpired(pool: pg.Pool, now = new Date(), batchSize = 5_000): Promise<PurgeResult> {
  // Failures first: a week of them dropped may be what kept an event partition.
  const failurePartitions = await dropExpiredFailurePartitions(pool, now);
  const eventPartitions = await dropExpiredEventPartitions(pool, now);
  const redeliveries = await purgeFinishedRedeliveries(pool, retentionFloor(now));
  const statsMinutes = await purgeStats(pool, now, batchSize);
  const eventTypes = await purgeEventTypes(pool, now);
  return { failurePartitions, eventPartitions, redeliveries, statsMinutes, eventTypes };
}
