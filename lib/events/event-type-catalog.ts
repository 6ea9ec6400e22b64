import type pg from "pg";
import type { Sql } from "../db/sql";
import { EVENT_TYPES } from "./event-types";

// Every statement on `event_types`: the event types each organization published recently, kept
// beside the log so the event-filter picker never scans `events` (README › Architecture › Stores).

type Db = Pick<pg.Pool, "query">;

/** How long a type stays offered after its last event. */
export const KNOWN_TYPE_DAYS = 30;

/**
 * Notes that these types were just published (inside the writer's transaction). A type's row is
 * rewritten at most hourly, so a steady stream of one type costs a row lock, not a row version, per write.
 */
export async function noteEventTypes(sql: Sql, organizationId: string, types: readonly string[]): Promise<void> {
  if (types.length === 0) return;
  await sql.run(
    `INSERT INTO event_types AS t (organization_id, event_type, last_seen_at)
     SELECT $1::uuid, u.type, now() FROM unnest($2::text[]) AS u(type)
     ON CONFLICT (organization_id, event_type) DO UPDATE SET last_seen_at = excluded.last_seen_at
     WHERE t.last_seen_at < excluded.last_seen_at - interval '1 hour'`,
    [organizationId, [...new Set(types)]],
  );
}

/** The event types to offer an organization's filter: those seen in the last 30 days and Tributary's own, sorted. */
export async function knownEventTypes(db: Db, organizationId: string, now = new Date()): Promise<string[]> {
  const { rows } = await db.query<{ event_type: string }>("SELECT event_type FROM event_types WHERE organization_id = $1 AND last_seen_at >= $2", [
    organizationId,
    new Date(now.getTime() - KNOWN_TYPE_DAYS * 24 * 3600_000),
  ]);
  return [...new Set([...rows.map((r) => r.event_type), ...Object.values(EVENT_TYPES)])].sort();
}

/** Forgets types not seen for 30 days. */
export async function purgeEventTypes(db: Db, now = new Date()): Promise<number> {
  const r = await db.query("DELETE FROM event_types WHERE last_seen_at < $1", [new Date(now.getTime() - KNOWN_TYPE_DAYS * 24 * 3600_000)]);
  return r.rowCount ?? 0;
}

/** Forgets an organization's types (the organization is being deleted), in the caller's transaction. */
export async function forgetOrganizationEventTypes(sql: Sql, organizationId: string): Promise<void> {
  await sql.run("DELETE FROM event_types WHERE organization_id = $1::uuid", [organizationId]);
}
