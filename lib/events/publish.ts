import type { Tx } from "../db/client";
import type { WireEvent } from "./envelope";

// Streamers LISTEN on this channel; the payload is the organization id.
export const EVENTS_CHANNEL = "tributary_events";

/**
 * Appends one event to the organization's log inside the caller's transaction, so the event
 * exists exactly when the change it describes does. Re-publishing an id already stored is a no-op.
 * Returns the event's sequence number, or null when it was already stored.
 */
export async function publishEvent(tx: Tx, organizationId: string, e: WireEvent): Promise<bigint | null> {
  const rows = await tx.$queryRaw<{ seq: bigint }[]>`
    INSERT INTO events (id, organization_id, transaction_id, event_type, severity, timestamp,
                        actor_email, actor_ip_address, actor_name, actor_user_id, actor_user_agent, data)
    VALUES (${e.id}::uuid, ${organizationId}::uuid, ${e.transaction_id}::uuid, ${e.event_type}, ${e.severity}::"Severity",
            ${e.timestamp}::timestamptz, ${e.actor_email}, ${e.actor_ip_address}, ${e.actor_name}, ${e.actor_user_id},
            ${e.actor_user_agent}, ${JSON.stringify(e.data)}::jsonb)
    ON CONFLICT (organization_id, id) DO NOTHING
    RETURNING seq`;
  await tx.$executeRaw`SELECT pg_notify(${EVENTS_CHANNEL}, ${organizationId})`;
  return rows[0]?.seq ?? null;
}
