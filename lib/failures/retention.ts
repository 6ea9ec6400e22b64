import type pg from "pg";
import { dropExpiredEventPartitions } from "../events/event-partitions";
import { dropExpiredFailurePartitions, retentionFloor } from "./failure-store";
import { purgeFinishedRedeliveries } from "./redelivery-store";

export type PurgeResult = { failurePartitions: string[]; eventPartitions: string[]; redeliveries: number };

/**
 * Drops the weeks of failed-delivery records older than the 30-day list, then the event partitions
 * that are older than that and that no cursor still needs and no listed failure can redeliver
 * (event-partitions.ts), and deletes finished redeliveries of that age. Whole partitions go: no
 * row-by-row delete of events or attempts.
 */
export async function purgeExpired(pool: pg.Pool, now = new Date()): Promise<PurgeResult> {
  // Failures first: a week of them dropped may be what kept an event partition.
  const failurePartitions = await dropExpiredFailurePartitions(pool, now);
  const eventPartitions = await dropExpiredEventPartitions(pool, now);
  const redeliveries = await purgeFinishedRedeliveries(pool, retentionFloor(now));
  return { failurePartitions, eventPartitions, redeliveries };
}
