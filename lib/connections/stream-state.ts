import type pg from "pg";
import { slotSql } from "../delivery/stream-slots";

// The worker's statements on `connections` (node-postgres: the worker has no Prisma). The web app
// edits connections through Prisma (service.ts); the worker only reads which are enabled, moves
// cursors and auto-disables. A connection's destination is read by target.ts.

type Db = Pick<pg.Pool, "query">;

/** What a worker keeps of a connection it streams (`updated_ms`: updated_at in epoch milliseconds, with its fraction). */
export type StreamedConnection = { id: string; organization_id: string; enabled: boolean; cursor: string; updated_ms: number };

const COLUMNS = "c.id, c.organization_id, c.enabled, c.cursor::text AS cursor, (extract(epoch FROM c.updated_at) * 1000)::float8 AS updated_ms";

/** The enabled connections in these stream slots (lib/delivery/stream-slots.ts). */
export async function enabledConnectionsInSlots(db: Db, slots: readonly number[]): Promise<StreamedConnection[]> {
  if (slots.length === 0) return [];
  const { rows } = await db.query<StreamedConnection>(`SELECT ${COLUMNS} FROM connections c WHERE c.enabled AND ${slotSql("c.id")} = ANY($1::int[])`, [slots]);
  return rows;
}

/** One connection as a worker sees it, or null when it no longer exists. */
export async function streamedConnection(db: Db, id: string): Promise<StreamedConnection | null> {
  const { rows } = await db.query<StreamedConnection>(`SELECT ${COLUMNS} FROM connections c WHERE c.id = $1`, [id]);
  return rows[0] ?? null;
}

/** SQL of a JSON array of the connections (StreamedConnection) updated after `since` (an SQL expression). */
export function connectionsUpdatedSinceSql(since: string): string {
  return `SELECT coalesce(json_agg(json_build_object('id', c.id, 'organization_id', c.organization_id, 'enabled', c.enabled,
            'cursor', c.cursor::text, 'updated_ms', (extract(epoch FROM c.updated_at) * 1000)::float8)), '[]'::json)
          FROM connections c WHERE c.updated_at > ${since}`;
}

/**
 * SQL that keeps the connections of these ids (a uuid[] expression) that still exist, locked FOR KEY
 * SHARE until the transaction ends: a delete in progress is waited for and its row skipped, and a
 * delete after it waits for this transaction. A worker writing rows that reference connections
 * (failed attempts, statistics, health) joins on it, so a connection deleted mid-stream loses its
 * rows quietly instead of failing the statement with a foreign-key violation (23503).
 */
export function liveConnectionsSql(ids: string): string {
  return `SELECT c.id, c.organization_id FROM connections c WHERE c.id = ANY(${ids}) ORDER BY c.id FOR KEY SHARE OF c`;
}

/** Locks the connections among `ids` that still exist (liveConnectionsSql) inside the caller's transaction. */
export async function lockLiveConnections(db: Db, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await db.query(liveConnectionsSql("$1::uuid[]"), [ids]);
}

/** Which of these connections are enabled. */
export async function enabledAmong(db: Db, ids: readonly string[]): Promise<Set<string>> {
  const { rows } = await db.query<{ id: string }>("SELECT id FROM connections WHERE id = ANY($1::uuid[]) AND enabled", [ids]);
  return new Set(rows.map((r) => r.id));
}

/**
 * Moves connections' cursors forward (never back: a slower writer cannot undo a faster one), in one
 * statement. A row another transaction holds locked (an edit, an organization being deleted) is
 * skipped rather than waited for, so it cannot hold up the others: returns the ids skipped that way,
 * to be written again shortly (a row being deleted is among them until the delete commits; a
 * connection that no longer exists is neither written nor returned).
 */
export async function advanceCursors(db: Db, cursors: readonly { id: string; cursor: bigint }[]): Promise<string[]> {
  const furthest = new Map<string, bigint>();
  for (const { id, cursor } of cursors) {
    const known = furthest.get(id);
    if (known === undefined || cursor > known) furthest.set(id, cursor);
  }
  if (furthest.size === 0) return [];
  // Rows locked in id order first, so two such statements cannot deadlock over them.
  const { rows } = await db.query<{ id: string }>(
    `WITH u AS (SELECT * FROM unnest($1::uuid[], $2::bigint[]) AS u(id, cursor)),
     locked AS MATERIALIZED (SELECT c.id FROM connections c WHERE c.id = ANY($1::uuid[]) ORDER BY c.id FOR NO KEY UPDATE SKIP LOCKED),
     moved AS (UPDATE connections c SET cursor = u.cursor FROM u JOIN locked USING (id) WHERE c.id = u.id AND c.cursor < u.cursor)
     SELECT c.id FROM connections c WHERE c.id = ANY($1::uuid[]) AND c.id NOT IN (SELECT id FROM locked)`,
    [[...furthest.keys()], [...furthest.values()].map(String)],
  );
  return rows.map((r) => r.id);
}

/** Disables an enabled connection with reason AUTO and the policy's numbers; null when it was not enabled. */
export async function disableForFailures(
  db: Db,
  connectionId: string,
  now: Date,
  details: Record<string, unknown>,
): Promise<{ organization_id: string; name: string; url: string; auth_type: string } | null> {
  const { rows } = await db.query<{ organization_id: string; name: string; url: string; auth_type: string }>(
    `UPDATE connections SET enabled = false, disabled_at = $2, disabled_reason = 'AUTO', disabled_by_id = NULL,
            disabled_details = $3::jsonb, updated_at = $2
     WHERE id = $1 AND enabled RETURNING organization_id, name, url, auth_type::text`,
    [connectionId, now, JSON.stringify(details)],
  );
  return rows[0] ?? null;
}

export type DisabledState = { name: string; url: string; organization_id: string; disabled_reason: string | null; disabled_details: { summary?: string } | null };

export async function disabledState(db: Db, connectionId: string): Promise<DisabledState | null> {
  const { rows } = await db.query<DisabledState>("SELECT name, url, organization_id, disabled_reason::text, disabled_details FROM connections WHERE id = $1", [
    connectionId,
  ]);
  return rows[0] ?? null;
}

export type StreamPosition = { id: string; organization_id: string; name: string; url: string; enabled: boolean; cursor: bigint };

/** Where these connections of the organization stand (what their health is computed from); all of them without `ids`. */
export async function streamPositions(db: Db, organizationId: string, ids?: readonly string[]): Promise<StreamPosition[]> {
  const { rows } = await db.query<Omit<StreamPosition, "cursor"> & { cursor: string }>(
    `SELECT id, organization_id, name, url, enabled, cursor::text AS cursor FROM connections
     WHERE organization_id = $1 AND ($2::uuid[] IS NULL OR id = ANY($2::uuid[])) ORDER BY created_at`,
    [organizationId, ids ?? null],
  );
  return rows.map((r) => ({ ...r, cursor: BigInt(r.cursor) }));
}

/** A connection's organization, wherever it is (a job carries only the connection's id). */
export async function organizationOf(db: Db, connectionId: string): Promise<string | null> {
  const { rows } = await db.query<{ organization_id: string }>("SELECT organization_id FROM connections WHERE id = $1", [connectionId]);
  return rows[0]?.organization_id ?? null;
}
