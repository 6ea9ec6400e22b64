import type pg from "pg";
import { upkeepEventPartitions } from "./events/event-partitions";
import { upkeepFailurePartitions } from "./failures/failure-store";

/**
 * Creates the partitions of `events` and `delivery_failures` the next writes need (the maintenance
 * job, hourly, and every worker when it starts). Returns the names of those created.
 */
export async function upkeepPartitions(pool: pg.Pool, now = new Date()): Promise<string[]> {
  const events = await upkeepEventPartitions(pool, now);
  const failures = await upkeepFailurePartitions(pool, now);
  return [...(events ? [events] : []), ...failures];
}
