import type pg from "pg";
import type { Sql } from "../db/sql";
import { stillRetryingSql } from "./failure-store";

// Every statement on `redeliveries` and `redelivery_items` (node-postgres; see README › Architecture › Stores).

type Db = Pick<pg.Pool, "query">;

export type RedeliveryStatus = "QUEUED" | "RUNNING" | "COMPLETED" | "CANCELLED";

export type RedeliveryRow = {
  id: string;
  status: RedeliveryStatus;
  criteria: unknown;
  total: number;
  succeeded: number;
  failed: number;
  skipped: number;
  requested_by_id: string | null;
  requested_by_name: string | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
};

const SELECT = `
  SELECT r.id, r.status::text AS status, r.criteria, r.total, r.succeeded, r.failed, r.skipped, r.requested_by_id,
         u.name AS requested_by_name, r.created_at, r.started_at, r.finished_at
  FROM redeliveries r LEFT JOIN users u ON u.id = r.requested_by_id`;

export async function findRedelivery(db: Db, organizationId: string, id: string): Promise<RedeliveryRow | null> {
  const { rows } = await db.query<RedeliveryRow>(`${SELECT} WHERE r.id = $1 AND r.organization_id = $2`, [id, organizationId]);
  return rows[0] ?? null;
}

/** The organization's latest redeliveries, newest first. */
export async function latestRedeliveries(db: Db, organizationId: string, limit: number): Promise<RedeliveryRow[]> {
  const { rows } = await db.query<RedeliveryRow>(`${SELECT} WHERE r.organization_id = $1 ORDER BY r.created_at DESC LIMIT $2`, [organizationId, limit]);
  return rows;
}

export type ItemProblem = { state: "FAILED" | "SKIPPED"; message: string; count: number };

/** Why a redelivery's events failed or were skipped, most frequent first (at most five reasons). */
export async function itemProblems(db: Db, redeliveryId: string): Promise<ItemProblem[]> {
  const { rows } = await db.query<ItemProblem>(
    `SELECT state::text, coalesce(error, 'HTTP ' || status_code) AS message, count(*)::int AS count
     FROM redelivery_items WHERE redelivery_id = $1 AND state IN ('FAILED', 'SKIPPED')
     GROUP BY 1, 2 ORDER BY count DESC, message LIMIT 5`,
    [redeliveryId],
  );
  return rows;
}

export async function insertRedelivery(
  db: Db,
  r: { organizationId: string; requestedById: string | null; criteria: unknown; createdAt: Date },
): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    "INSERT INTO redeliveries (organization_id, requested_by_id, criteria, total, created_at) VALUES ($1, $2, $3::jsonb, 0, $4) RETURNING id",
    [r.organizationId, r.requestedById, JSON.stringify(r.criteria), r.createdAt],
  );
  return rows[0]!.id;
}

// Why an event is not sent again, worked out when the redelivery is requested.
const SKIP_REASON_SQL = `
  CASE
    WHEN NOT c.enabled THEN 'The connection is disabled; enable it to redeliver.'
    WHEN ${stillRetryingSql("s.connection_id", "s.event_seq")} THEN 'The stream is still retrying this event.'
    WHEN EXISTS (SELECT 1 FROM redelivery_items i JOIN redeliveries r ON r.id = i.redelivery_id
                 WHERE i.connection_id = s.connection_id AND i.event_seq = s.event_seq AND i.state = 'PENDING'
                   AND r.status IN ('QUEUED', 'RUNNING'))
      THEN 'Another redelivery is already sending this event.'
  END`;

/**
 * Adds one item per (connection, event) of the query `selection` builds (columns connection_id,
 * event_seq, failure_id; it appends its parameters to `values`, which holds the redelivery's id):
 * pending, or skipped with the reason when it cannot be sent now. Returns how many, and how many skipped.
 */
export async function insertItems(db: Db, redeliveryId: string, selection: (values: unknown[]) => string): Promise<{ total: number; skipped: number }> {
  const values: unknown[] = [redeliveryId];
  const { rows } = await db.query<{ skipped: number; total: number }>(
    `WITH s AS (${selection(values)}),
          ins AS (
            INSERT INTO redelivery_items (redelivery_id, connection_id, event_seq, failure_id, state, error)
            SELECT $1, s.connection_id, s.event_seq, s.failure_id,
                   CASE WHEN reason IS NULL THEN 'PENDING' ELSE 'SKIPPED' END::"RedeliveryItemState", reason
            FROM s JOIN connections c ON c.id = s.connection_id
                 CROSS JOIN LATERAL (SELECT ${SKIP_REASON_SQL} AS reason) why
            RETURNING state)
     SELECT count(*)::int AS total, count(*) FILTER (WHERE state = 'SKIPPED')::int AS skipped FROM ins`,
    values,
  );
  return rows[0]!;
}

/** The reasons of a redelivery's items, most frequent first. */
export async function itemReasons(db: Db, redeliveryId: string): Promise<{ error: string; count: number }[]> {
  const { rows } = await db.query<{ error: string; count: number }>(
    "SELECT error, count(*)::int AS count FROM redelivery_items WHERE redelivery_id = $1 GROUP BY error ORDER BY count DESC",
    [redeliveryId],
  );
  return rows;
}

export async function setTotals(db: Db, redeliveryId: string, total: number, skipped: number): Promise<void> {
  await db.query("UPDATE redeliveries SET total = $2, skipped = $3 WHERE id = $1", [redeliveryId, total, skipped]);
}

/** Locks the organization's redelivery for this transaction and returns its status, or null. */
export async function lockRedelivery(db: Db, organizationId: string, id: string): Promise<RedeliveryStatus | null> {
  const { rows } = await db.query<{ status: RedeliveryStatus }>("SELECT status::text FROM redeliveries WHERE id = $1 AND organization_id = $2 FOR UPDATE", [
    id,
    organizationId,
  ]);
  return rows[0]?.status ?? null;
}

/** Cancels a redelivery: its pending items are skipped. Returns how many were. */
export async function cancelItems(db: Db, id: string, now: Date): Promise<number> {
  const skipped = await db.query(
    "UPDATE redelivery_items SET state = 'SKIPPED', error = 'Cancelled before it was sent.' WHERE redelivery_id = $1 AND state = 'PENDING'",
    [id],
  );
  const n = skipped.rowCount ?? 0;
  await db.query("UPDATE redeliveries SET status = 'CANCELLED', skipped = skipped + $2, finished_at = $3 WHERE id = $1", [id, n, now]);
  return n;
}

/** Marks a queued or running redelivery as running; its organization, or null when it is finished or gone. */
export async function startRun(db: Db, id: string): Promise<string | null> {
  const { rows } = await db.query<{ organization_id: string }>(
    `UPDATE redeliveries SET status = 'RUNNING', started_at = coalesce(started_at, now())
     WHERE id = $1 AND status IN ('QUEUED', 'RUNNING') RETURNING organization_id`,
    [id],
  );
  return rows[0]?.organization_id ?? null;
}

export async function statusOf(db: Db, id: string): Promise<RedeliveryStatus | null> {
  const { rows } = await db.query<{ status: RedeliveryStatus }>("SELECT status::text FROM redeliveries WHERE id = $1", [id]);
  return rows[0]?.status ?? null;
}

/** Completes a running redelivery when no item is pending at all; false otherwise. */
export async function completeIfDone(db: Db, id: string): Promise<boolean> {
  const done = await db.query(
    `UPDATE redeliveries SET status = 'COMPLETED', finished_at = now()
     WHERE id = $1 AND status = 'RUNNING' AND NOT EXISTS (SELECT 1 FROM redelivery_items WHERE redelivery_id = $1 AND state = 'PENDING')`,
    [id],
  );
  return (done.rowCount ?? 0) > 0;
}

export type Item = { connectionId: string; seq: bigint; failureId: string | null };
export const FIRST_ITEM = { connectionId: "00000000-0000-0000-0000-000000000000", seq: -1n };

/** The next pending items after `after`, in (connection, sequence) order. */
export async function pendingItems(db: Db, id: string, after: { connectionId: string; seq: bigint }, limit: number): Promise<Item[]> {
  const { rows } = await db.query<{ connection_id: string; seq: string; failure_id: string | null }>(
    `SELECT connection_id, event_seq::text AS seq, failure_id FROM redelivery_items
     WHERE redelivery_id = $1 AND state = 'PENDING' AND (connection_id, event_seq) > ($2::uuid, $3::bigint)
     ORDER BY connection_id, event_seq LIMIT $4`,
    [id, after.connectionId, after.seq.toString(), limit],
  );
  return rows.map((r) => ({ connectionId: r.connection_id, seq: BigInt(r.seq), failureId: r.failure_id }));
}

export type ItemState = "SUCCEEDED" | "FAILED" | "SKIPPED";
export type ItemResult = Item & { state: ItemState; statusCode: number | null; error: string | null; attemptedAt: Date | null };

const byItem = (a: Item, b: Item) => (a.connectionId === b.connectionId ? (a.seq < b.seq ? -1 : a.seq > b.seq ? 1 : 0) : a.connectionId < b.connectionId ? -1 : 1);

/** Writes results of items still pending (a cancellation wins); returns the items it changed. */
export async function settleItems(db: Db, id: string, results: readonly ItemResult[]): Promise<(Item & { state: ItemState })[]> {
  if (results.length === 0) return [];
  // The results' (connection, sequence) range bounds the index scans whatever plan the statistics of
  // a freshly filled table lead to (without it: a nested loop over every item, 370 ms per 100).
  const sorted = [...results].sort(byItem);
  const first = sorted[0]!;
  const last = sorted[sorted.length - 1]!;
  const { rows } = await db.query<{ connection_id: string; seq: string; failure_id: string | null; state: ItemState }>(
    `UPDATE redelivery_items i SET state = u.state::"RedeliveryItemState", status_code = u.status, error = u.error, attempted_at = u.at
     FROM unnest($2::uuid[], $3::bigint[], $4::text[], $5::int[], $6::text[], $7::timestamptz[]) AS u(cid, seq, state, status, error, at)
     WHERE i.redelivery_id = $1 AND i.connection_id = u.cid AND i.event_seq = u.seq AND i.state = 'PENDING'
       AND (i.connection_id, i.event_seq) >= ($8::uuid, $9::bigint) AND (i.connection_id, i.event_seq) <= ($10::uuid, $11::bigint)
     RETURNING i.connection_id, i.event_seq::text AS seq, i.failure_id, i.state::text AS state`,
    [
      id,
      results.map((r) => r.connectionId),
      results.map((r) => r.seq.toString()),
      results.map((r) => r.state),
      results.map((r) => r.statusCode),
      results.map((r) => r.error),
      results.map((r) => r.attemptedAt),
      first.connectionId,
      first.seq.toString(),
      last.connectionId,
      last.seq.toString(),
    ],
  );
  return rows.map((r) => ({ connectionId: r.connection_id, seq: BigInt(r.seq), failureId: r.failure_id, state: r.state }));
}

/** Adds to a redelivery's counters; true while it is still running. */
export async function addCounts(db: Db, id: string, counts: { succeeded: number; failed: number; skipped: number }): Promise<boolean> {
  const { rows } = await db.query<{ status: string }>(
    "UPDATE redeliveries SET succeeded = succeeded + $2, failed = failed + $3, skipped = skipped + $4 WHERE id = $1 RETURNING status::text",
    [id, counts.succeeded, counts.failed, counts.skipped],
  );
  return rows[0]?.status === "RUNNING";
}

/** Redeliveries not finished yet, of every organization. */
export async function unfinishedRedeliveries(db: Db): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>("SELECT id FROM redeliveries WHERE status IN ('QUEUED', 'RUNNING') ORDER BY created_at");
  return rows.map((r) => r.id);
}

/** Deletes finished redeliveries (and their items) created before `cutoff`. */
export async function purgeFinishedRedeliveries(db: Db, cutoff: Date): Promise<number> {
  const r = await db.query("DELETE FROM redeliveries WHERE created_at < $1 AND status IN ('COMPLETED', 'CANCELLED')", [cutoff]);
  return r.rowCount ?? 0;
}

/** Deletes every redelivery (and its items) of an organization (the organization is being deleted), in the caller's transaction. */
export async function purgeOrganizationRedeliveries(sql: Sql, organizationId: string): Promise<void> {
  await sql.run("DELETE FROM redeliveries WHERE organization_id = $1::uuid", [organizationId]);
}
