import type pg from "pg";
import type { Tx } from "../db/client";
import { EVENTS_CHANNEL } from "./channels";
import { withTransaction } from "../db/pool";
import type { WireEvent } from "./envelope";

// Event writers of one organization take this transaction lock before drawing sequence numbers, so
// an organization's events commit in sequence order and a streamer's cursor can never pass an
// event that is still being written.
const ORG_WRITE_LOCK = 7270;

/**
 * Appends one event to the organization's log inside the caller's transaction, so the event
 * exists exactly when the change it describes does. Re-publishing an id already stored is a no-op.
 * Returns the event's sequence number, or null when it was already stored.
 */
export async function publishEvent(tx: Tx, organizationId: string, e: WireEvent): Promise<bigint | null> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(${ORG_WRITE_LOCK}::int, hashtext(${organizationId}))`;
  const rows = await tx.$queryRaw<{ seq: bigint }[]>`
    INSERT INTO events (id, organization_id, transaction_id, event_type, severity, timestamp,
                        actor_email, actor_ip_address, actor_name, actor_user_id, actor_user_agent, data)
    VALUES (${e.id}::uuid, ${organizationId}::uuid, ${e.transaction_id}::uuid, ${e.event_type}, ${e.severity}::"Severity",
            ${e.timestamp}::timestamptz, ${e.actor_email}, ${e.actor_ip_address}, ${e.actor_name}, ${e.actor_user_id},
            ${e.actor_user_agent}, ${JSON.stringify(e.data)}::json)
    ON CONFLICT (organization_id, id) DO NOTHING
    RETURNING seq`;
  await tx.$executeRaw`SELECT pg_notify(${EVENTS_CHANNEL}, ${organizationId})`;
  return rows[0]?.seq ?? null;
}

/**
 * Appends events inside a transaction the caller opened on `client`: one multi-row insert, ids
 * already stored skipped, a NOTIFY on commit. Returns how many rows were new.
 */
export async function insertEvents(client: pg.ClientBase, organizationId: string, events: readonly WireEvent[]): Promise<number> {
  if (events.length === 0) return 0;
  const col = <K extends keyof WireEvent>(k: K) => events.map((e) => e[k]);
  await client.query("SELECT pg_advisory_xact_lock($1::int, hashtext($2))", [ORG_WRITE_LOCK, organizationId]);
  const result = await client.query(
    `INSERT INTO events (id, organization_id, transaction_id, event_type, severity, timestamp,
                         actor_email, actor_ip_address, actor_name, actor_user_id, actor_user_agent, data)
     SELECT u.id, $1::uuid, u.transaction_id, u.event_type, u.severity::"Severity", u.ts,
            u.actor_email, u.actor_ip_address, u.actor_name, u.actor_user_id, u.actor_user_agent, u.data::json
     FROM unnest($2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::timestamptz[], $7::text[], $8::text[], $9::text[],
                 $10::text[], $11::text[], $12::text[])
          WITH ORDINALITY AS u(id, transaction_id, event_type, severity, ts, actor_email, actor_ip_address, actor_name,
                               actor_user_id, actor_user_agent, data, ord)
     ORDER BY u.ord
     ON CONFLICT (organization_id, id) DO NOTHING`,
    [
      organizationId,
      col("id"),
      col("transaction_id"),
      col("event_type"),
      col("severity"),
      col("timestamp"),
      col("actor_email"),
      col("actor_ip_address"),
      col("actor_name"),
      col("actor_user_id"),
      col("actor_user_agent"),
      events.map((e) => JSON.stringify(e.data)),
    ],
  );
  await client.query("SELECT pg_notify($1, $2)", [EVENTS_CHANNEL, organizationId]);
  return result.rowCount ?? 0;
}

/** Appends many events in one transaction (all or nothing). Returns how many rows were new. */
export async function publishEvents(pool: pg.Pool, organizationId: string, events: readonly WireEvent[]): Promise<number> {
  if (events.length === 0) return 0;
  return withTransaction(pool, (client) => insertEvents(client, organizationId, events));
}
