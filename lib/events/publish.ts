import type pg from "pg";
import type { Tx } from "../db/client";
import { withTransaction } from "../db/pool";
import { pgSql, prismaSql } from "../db/sql";
import type { WireEvent } from "./envelope";
import { isMissingEventPartition, upkeepEventPartitions } from "./event-partitions";
import { appendEvents } from "./event-store";

/**
 * Appends one event to the organization's log inside the caller's Prisma transaction, so the event
 * exists exactly when the change it describes does. Re-publishing an id already stored is a no-op.
 * Returns the event's sequence number, or null when it was already stored.
 */
export async function publishEvent(tx: Tx, organizationId: string, e: WireEvent): Promise<bigint | null> {
  const [seq] = await appendEvents(prismaSql(tx), organizationId, [e]);
  return seq ?? null;
}

/** Appends events inside a transaction the caller opened on `client`. Returns how many rows were new. */
export async function insertEvents(client: pg.ClientBase, organizationId: string, events: readonly WireEvent[]): Promise<number> {
  return (await appendEvents(pgSql(client), organizationId, events)).length;
}

/**
 * Appends many events in one transaction (all or nothing). Returns how many rows were new. Should
 * the writers have run past the last partition of `events` (a burst far above what the maintenance
 * job sized it for), it creates the next one and tries once more.
 */
export async function publishEvents(pool: pg.Pool, organizationId: string, events: readonly WireEvent[]): Promise<number> {
  if (events.length === 0) return 0;
  const publish = () => withTransaction(pool, (client) => insertEvents(client, organizationId, events));
  try {
    return await publish();
  } catch (err) {
    if (!isMissingEventPartition(err)) throw err;
    await upkeepEventPartitions(pool);
    return publish();
  }
}
