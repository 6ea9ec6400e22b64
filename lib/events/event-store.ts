import type pg from "pg";
import type { Sql } from "../db/sql";
import { EVENTS_CHANNEL } from "./channels";
import { noteEventTypes } from "./event-type-catalog";
import type { WireEvent } from "./envelope";

// Every statement on `events` (node-postgres, or a Prisma transaction through `Sql`; see README › Architecture › Stores).

type Db = Pick<pg.Pool, "query">;

// Event writers of one organization take this transaction lock before drawing sequence numbers, so
// an organization's events commit in sequence order and a streamer's cursor can never pass an
// event that is still being written.
const ORG_WRITE_LOCK = 7270;

/**
 * Appends events to the organization's log inside the caller's transaction: one multi-row insert
 * in the given order, ids already stored (or repeated in the batch) skipped, a NOTIFY delivered on
 * commit. Returns the sequence numbers of the new rows.
 */
export async function appendEvents(sql: Sql, organizationId: string, events: readonly WireEvent[]): Promise<bigint[]> {
  const seen = new Set<string>();
  const fresh = events.filter((e) => !seen.has(e.id) && seen.add(e.id));
  if (fresh.length === 0) return [];
  const col = <K extends keyof WireEvent>(k: K) => fresh.map((e) => e[k]);
  await sql.run("SELECT pg_advisory_xact_lock($1::int, hashtext($2))", [ORG_WRITE_LOCK, organizationId]);
  // `events` is partitioned by seq, so (organization_id, id) cannot be a unique index: ids are looked
  // up instead, which is safe because the organization's writers are serialized by the lock above.
  const rows = await sql.rows<{ seq: string }>(
    `WITH stored AS MATERIALIZED (SELECT e.id FROM events e WHERE e.organization_id = $1::uuid AND e.id = ANY($2::uuid[]))
     INSERT INTO events (id, organization_id, transaction_id, event_type, severity, timestamp,
                         actor_email, actor_ip_address, actor_name, actor_user_id, actor_user_agent, data)
     SELECT u.id, $1::uuid, u.transaction_id, u.event_type, u.severity::"Severity", u.ts,
            u.actor_email, u.actor_ip_address, u.actor_name, u.actor_user_id, u.actor_user_agent, u.data::json
     FROM unnest($2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::timestamptz[], $7::text[], $8::text[], $9::text[],
                 $10::text[], $11::text[], $12::text[])
          WITH ORDINALITY AS u(id, transaction_id, event_type, severity, ts, actor_email, actor_ip_address, actor_name,
                               actor_user_id, actor_user_agent, data, ord)
     WHERE u.id NOT IN (SELECT id FROM stored)
     ORDER BY u.ord
     RETURNING seq::text AS seq`,
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
      fresh.map((e) => JSON.stringify(e.data)),
    ],
  );
  await noteEventTypes(sql, organizationId, col("event_type"));
  await sql.run("SELECT pg_notify($1, $2)", [EVENTS_CHANNEL, organizationId]);
  return rows.map((r) => BigInt(r.seq));
}

/** The organization's latest sequence number (0 without events). */
export async function latestSeq(sql: Sql, organizationId: string): Promise<bigint> {
  const rows = await sql.rows<{ seq: string | null }>("SELECT max(seq)::text AS seq FROM events WHERE organization_id = $1::uuid", [organizationId]);
  return BigInt(rows[0]?.seq ?? 0);
}

/** The first event after `afterSeq` stored at or after `since` (null: none): what a catch-up limit keeps. */
export async function firstSeqStoredSince(sql: Sql, organizationId: string, afterSeq: bigint, since: Date): Promise<bigint | null> {
  const rows = await sql.rows<{ seq: string }>(
    "SELECT seq::text AS seq FROM events WHERE organization_id = $1::uuid AND seq > $2::bigint AND created_at >= $3 ORDER BY seq LIMIT 1",
    [organizationId, afterSeq.toString(), since],
  );
  return rows[0] ? BigInt(rows[0].seq) : null;
}

/** The event types present in (afterSeq, throughSeq]. */
export async function eventTypesBetween(sql: Sql, organizationId: string, afterSeq: bigint, throughSeq: bigint): Promise<string[]> {
  const rows = await sql.rows<{ event_type: string }>(
    "SELECT DISTINCT event_type FROM events WHERE organization_id = $1::uuid AND seq > $2::bigint AND seq <= $3::bigint",
    [organizationId, afterSeq.toString(), throughSeq.toString()],
  );
  return rows.map((r) => r.event_type);
}

/** How many events of these types are in (afterSeq, throughSeq], and when the first and last were stored. */
export async function countEventsBetween(
  sql: Sql,
  organizationId: string,
  afterSeq: bigint,
  throughSeq: bigint,
  types: readonly string[],
): Promise<{ count: number; oldest: Date | null; newest: Date | null }> {
  const rows = await sql.rows<{ count: number; oldest: Date | null; newest: Date | null }>(
    `SELECT count(*)::int AS count, min(created_at) AS oldest, max(created_at) AS newest FROM events
     WHERE organization_id = $1::uuid AND seq > $2::bigint AND seq <= $3::bigint AND event_type = ANY($4::text[])`,
    [organizationId, afterSeq.toString(), throughSeq.toString(), types],
  );
  return rows[0] ?? { count: 0, oldest: null, newest: null };
}

export type StoredEvent = { seq: bigint; event: WireEvent; body: string; createdAt: number };

const SELECT = `
  SELECT seq::text AS seq_text, id, transaction_id, event_type, severity::text,
         to_char(timestamp AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS ts,
         actor_email, actor_ip_address, actor_name, actor_user_id, actor_user_agent, data,
         (extract(epoch from created_at) * 1000)::float8 AS created_ms
  FROM events`;

type Row = Omit<WireEvent, "timestamp"> & { seq_text: string; ts: string; created_ms: number };

/** RFC 3339 with as many fraction digits as the time has (at least milliseconds). */
export function trimFraction(ts: string): string {
  return ts.replace(/\.(\d{3}\d*?)0*Z$/, ".$1Z");
}

function toStored(r: Row): StoredEvent {
  // Keys in the wire order; the body is exactly what is signed and sent.
  const event: WireEvent = {
    id: r.id,
    transaction_id: r.transaction_id,
    event_type: r.event_type,
    severity: r.severity,
    timestamp: trimFraction(r.ts),
    actor_email: r.actor_email,
    actor_ip_address: r.actor_ip_address,
    actor_name: r.actor_name,
    actor_user_id: r.actor_user_id,
    actor_user_agent: r.actor_user_agent,
    data: r.data ?? {},
  };
  return { seq: BigInt(r.seq_text), event, body: JSON.stringify(event), createdAt: r.created_ms };
}

/** The organization's next events after `afterSeq`, in order. */
export async function readEventsAfter(db: Db, organizationId: string, afterSeq: bigint, limit: number): Promise<StoredEvent[]> {
  const { rows } = await db.query<Row>(`${SELECT} WHERE organization_id = $1 AND seq > $2 ORDER BY events.seq LIMIT $3`, [
    organizationId,
    afterSeq.toString(),
    limit,
  ]);
  return rows.map(toStored);
}

/**
 * The first events of the organizations of several connections at once: per organization, at most
 * `limit` events after the lowest cursor of those connections (`after`), in order. The first read of
 * the streamers a worker starts together: one round trip for a burst of organizations instead of
 * one per connection; each streamer keeps the events after its own cursor.
 */
export async function readEventsAfterCursors(
  db: Db,
  connectionIds: readonly string[],
  limit: number,
): Promise<Map<string, { after: bigint; events: StoredEvent[] }>> {
  const out = new Map<string, { after: bigint; events: StoredEvent[] }>();
  if (connectionIds.length === 0) return out;
  const { rows } = await db.query<Partial<Row> & { organization_id: string; after: string; seq_text: string | null }>(
    `WITH o AS (SELECT organization_id, min(cursor) AS after FROM connections WHERE id = ANY($1::uuid[]) GROUP BY organization_id)
     SELECT o.organization_id, o.after::text AS after, e.* FROM o
     LEFT JOIN LATERAL (${SELECT} WHERE events.organization_id = o.organization_id AND events.seq > o.after ORDER BY events.seq LIMIT $2) AS e ON true`,
    [connectionIds, limit],
  );
  for (const r of rows) {
    let read = out.get(r.organization_id);
    if (!read) out.set(r.organization_id, (read = { after: BigInt(r.after), events: [] }));
    if (r.seq_text !== null) read.events.push(toStored(r as Row));
  }
  // Each organization's in sequence order (the join promises no order of its own).
  for (const read of out.values()) read.events.sort((a, b) => (a.seq < b.seq ? -1 : a.seq > b.seq ? 1 : 0));
  return out;
}

export async function readEventsBySeq(db: Db, organizationId: string, seqs: readonly bigint[]): Promise<StoredEvent[]> {
  if (seqs.length === 0) return [];
  const { rows } = await db.query<Row>(`${SELECT} WHERE organization_id = $1 AND seq = ANY($2::bigint[]) ORDER BY events.seq`, [
    organizationId,
    seqs.map(String),
  ]);
  return rows.map(toStored);
}

/** SQL of the last sequence number drawn (0 before the first event). */
export const LATEST_SEQ_SQL = "SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END FROM events_seq_seq";

/**
 * The organizations with events after `afterSeq`, each with its newest sequence number: the workers'
 * fallback for a missed notification. It reads only what was written since (the BRIN index on seq
 * finds the newest pages); `db` must allow bitmap scans (not the worker pool, see createWorkerPool).
 */
export async function organizationsWithEventsAfter(db: Db, afterSeq: bigint): Promise<Map<string, bigint>> {
  const { rows } = await db.query<{ organization_id: string; seq: string }>(
    "SELECT organization_id, max(seq)::text AS seq FROM events WHERE seq > $1 GROUP BY organization_id",
    [afterSeq.toString()],
  );
  return new Map(rows.map((r) => [r.organization_id, BigInt(r.seq)]));
}

/**
 * Which of these organizations have an event after the given sequence number: one probe of the
 * primary key per organization (a worker asks this for connections it has just taken over).
 */
export async function organizationsWithEventsAfterEach(db: Db, positions: ReadonlyMap<string, bigint>): Promise<Set<string>> {
  if (positions.size === 0) return new Set();
  const { rows } = await db.query<{ organization_id: string }>(
    `SELECT u.organization_id FROM unnest($1::uuid[], $2::bigint[]) AS u(organization_id, seq)
     CROSS JOIN LATERAL (SELECT 1 FROM events e WHERE e.organization_id = u.organization_id AND e.seq > u.seq LIMIT 1) AS newer`,
    [[...positions.keys()], [...positions.values()].map(String)],
  );
  return new Set(rows.map((r) => r.organization_id));
}

/**
 * Deletes every event of an organization (the organization is being deleted), in the caller's
 * transaction. Takes the organization's write lock first, so a publish in progress commits before
 * and is deleted too.
 */
export async function purgeOrganizationEvents(sql: Sql, organizationId: string): Promise<void> {
  await sql.run("SELECT pg_advisory_xact_lock($1::int, hashtext($2))", [ORG_WRITE_LOCK, organizationId]);
  await sql.run("DELETE FROM events WHERE organization_id = $1::uuid", [organizationId]);
}

export type Pending = { count: number; capped: boolean; oldestAt: Date | null };

/**
 * Per cursor, how many of the organization's events come after it (counted up to `cap`, so a large
 * backlog costs no more than `cap` index entries) and when the first of them was stored: two probes
 * of the (organization_id, seq) key each, for all cursors in one round trip.
 */
export async function pendingAfter(db: Db, organizationId: string, cursors: readonly { id: string; cursor: bigint }[], cap: number): Promise<Map<string, Pending>> {
  if (cursors.length === 0) return new Map();
  const { rows } = await db.query<{ id: string; n: number; oldest: Date | null }>(
    `SELECT u.id,
            (SELECT count(*) FROM (SELECT 1 FROM events e WHERE e.organization_id = $1 AND e.seq > u.cursor ORDER BY e.seq LIMIT $4) x)::int AS n,
            (SELECT e.created_at FROM events e WHERE e.organization_id = $1 AND e.seq > u.cursor ORDER BY e.seq LIMIT 1) AS oldest
     FROM unnest($2::uuid[], $3::bigint[]) AS u(id, cursor)`,
    [organizationId, cursors.map((c) => c.id), cursors.map((c) => c.cursor.toString()), cap + 1],
  );
  return new Map(rows.map((r) => [r.id, { count: Math.min(r.n, cap), capped: r.n > cap, oldestAt: r.oldest }]));
}
