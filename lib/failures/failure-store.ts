import type pg from "pg";
import type { Sql } from "../db/sql";
import { liveConnectionsSql } from "../connections/stream-state";
import { withTransaction } from "../db/pool";
import { failureWeeksToAdd } from "./failure-weeks";

// Every statement on `delivery_failures` (node-postgres; see README › Architecture › Stores). Other
// modules ask this one; where a statement of theirs needs a condition on this table, it comes from here.
// The table is partitioned by week of attempted_at (failure-weeks.ts): retention drops whole weeks.

type Db = Pick<pg.Pool, "query">;

export const RETENTION_DAYS = 30;

/** The oldest attempt still listed: admins see the failed deliveries of the last 30 days. */
export function retentionFloor(now = new Date()): Date {
  return new Date(now.getTime() - RETENTION_DAYS * 24 * 3600_000);
}

export type FailureOutcome = "RETRYING" | "DELIVERED_LATER" | "GIVEN_UP" | "REJECTED" | "REDELIVERED";

export type FailedAttempt = {
  organizationId: string;
  connectionId: string;
  eventSeq: bigint;
  eventId: string;
  eventType: string;
  /** Null: one more than the event's highest recorded attempt on the connection (a redelivery continues the count). */
  attempt: number | null;
  attemptedAt: Date;
  statusCode: number | null;
  error: string | null;
  responseExcerpt: string | null;
  latencyMs: number;
  outcome: "RETRYING" | "GIVEN_UP" | "REJECTED";
};

/**
 * Records failed attempts for the 30-day list in one statement; attempts on a connection deleted
 * meanwhile, even while this statement runs, are dropped (liveConnectionsSql).
 */
export async function recordFailures(db: Db, attempts: readonly FailedAttempt[]): Promise<void> {
  if (attempts.length === 0) return;
  const col = <T>(f: (a: FailedAttempt) => T) => attempts.map(f);
  await db.query(
    `INSERT INTO delivery_failures (organization_id, connection_id, event_seq, event_id, event_type, attempt, attempted_at,
                                    status_code, error, response_excerpt, latency_ms, outcome)
     SELECT u.oid, u.cid, u.seq, u.eid, u.etype,
            coalesce(u.attempt, coalesce((SELECT max(x.attempt) FROM delivery_failures x WHERE x.connection_id = u.cid AND x.event_seq = u.seq), 0) + 1),
            u.at, u.status, u.error, u.excerpt, u.latency, u.outcome::"FailureOutcome"
     FROM unnest($1::uuid[], $2::uuid[], $3::bigint[], $4::uuid[], $5::text[], $6::int[], $7::timestamptz[], $8::int[], $9::text[],
                 $10::text[], $11::int[], $12::text[])
          AS u(oid, cid, seq, eid, etype, attempt, at, status, error, excerpt, latency, outcome)
     WHERE u.cid IN (SELECT live.id FROM (${liveConnectionsSql("$2::uuid[]")}) AS live)`,
    [
      col((a) => a.organizationId),
      col((a) => a.connectionId),
      col((a) => a.eventSeq.toString()),
      col((a) => a.eventId),
      col((a) => a.eventType),
      col((a) => a.attempt),
      col((a) => a.attemptedAt),
      col((a) => a.statusCode),
      col((a) => a.error),
      col((a) => a.responseExcerpt),
      col((a) => a.latencyMs),
      col((a) => a.outcome),
    ],
  );
}

/**
 * Lists the events of these types in (afterSeq, throughSeq] as given up on a connection without a
 * request (the catch-up limit skipped them), so they show in the 30-day list and can be redelivered.
 * Reads the events it lists from `events` in the same statement.
 */
export async function recordSkippedEvents(
  sql: Sql,
  s: { organizationId: string; connectionId: string; afterSeq: bigint; throughSeq: bigint; types: readonly string[]; at: Date; error: string },
): Promise<void> {
  await sql.run(
    `INSERT INTO delivery_failures (organization_id, connection_id, event_seq, event_id, event_type, attempt, attempted_at,
                                    status_code, error, response_excerpt, latency_ms, outcome)
     SELECT e.organization_id, $2::uuid, e.seq, e.id, e.event_type,
            coalesce((SELECT max(x.attempt) FROM delivery_failures x WHERE x.connection_id = $2::uuid AND x.event_seq = e.seq), 0) + 1,
            $6, NULL, $7, NULL, 0, 'GIVEN_UP'
     FROM events e
     WHERE e.organization_id = $1::uuid AND e.seq > $3::bigint AND e.seq <= $4::bigint AND e.event_type = ANY($5::text[])`,
    [s.organizationId, s.connectionId, s.afterSeq.toString(), s.throughSeq.toString(), s.types, s.at, s.error],
  );
}

/** Updates the outcome of an event's earlier attempts that were still retrying. */
export async function settleRetrying(db: Db, connectionId: string, eventSeq: bigint, outcome: "DELIVERED_LATER" | "GIVEN_UP"): Promise<void> {
  await db.query(
    `UPDATE delivery_failures SET outcome = $3::"FailureOutcome" WHERE connection_id = $1 AND event_seq = $2 AND outcome = 'RETRYING'`,
    [connectionId, eventSeq.toString(), outcome],
  );
}

/** `settleRetrying` for several events of one connection in one statement (a batch's events). */
export async function settleRetryingEvents(db: Db, connectionId: string, eventSeqs: readonly bigint[], outcome: "DELIVERED_LATER" | "GIVEN_UP"): Promise<void> {
  if (eventSeqs.length === 0) return;
  await db.query(
    `UPDATE delivery_failures SET outcome = $3::"FailureOutcome" WHERE connection_id = $1 AND event_seq = ANY($2::bigint[]) AND outcome = 'RETRYING'`,
    [connectionId, eventSeqs.map(String), outcome],
  );
}

/**
 * The events previous streamers of these connections were still retrying when they stopped
 * (disabled, worker restart or crash), with how many attempts each had, per connection: the next
 * streamer numbers its attempts on from there and settles those rows when the event is delivered.
 * Rows at or below a cursor belong to events the stream will never send again (the 7-day rule
 * skipped them): given up. One round trip for all the streamers a worker starts together.
 */
export async function takeOverRetryingEach(db: Db, connectionIds: readonly string[]): Promise<Map<string, TakenOver>> {
  const out = new Map<string, TakenOver>();
  if (connectionIds.length === 0) return out;
  // Each connection's cursor as it is now (no streamer of it runs while this is asked), returned so
  // the caller can check it started from the same one. The UPDATE touches only rows at or below a
  // cursor, the SELECT only rows above it, so the SELECT reading the rows as they were is no matter.
  // `= ANY($1)` keeps each an index probe per connection.
  const { rows } = await db.query<{ connection_id: string; cursor: string; seq: string | null; attempts: number | null }>(
    `WITH u AS (SELECT c.id AS connection_id, c.cursor FROM connections c WHERE c.id = ANY($1::uuid[])),
     given_up AS (
       UPDATE delivery_failures f SET outcome = 'GIVEN_UP' FROM u
       WHERE f.connection_id = ANY($1::uuid[]) AND f.connection_id = u.connection_id AND f.event_seq <= u.cursor AND f.outcome = 'RETRYING'),
     retrying AS (
       SELECT f.connection_id, f.event_seq, max(f.attempt) AS attempts FROM delivery_failures f JOIN u USING (connection_id)
       WHERE f.connection_id = ANY($1::uuid[]) AND f.event_seq > u.cursor AND f.outcome = 'RETRYING' GROUP BY f.connection_id, f.event_seq)
     SELECT u.connection_id, u.cursor::text AS cursor, r.event_seq::text AS seq, r.attempts FROM u LEFT JOIN retrying r USING (connection_id)`,
    [connectionIds],
  );
  for (const r of rows) {
    let taken = out.get(r.connection_id);
    if (!taken) out.set(r.connection_id, (taken = { cursor: BigInt(r.cursor), attempts: new Map() }));
    if (r.seq !== null) taken.attempts.set(BigInt(r.seq), r.attempts!);
  }
  return out;
}

/** A connection's cursor when its retrying attempts were taken over, and those attempts by event. */
export type TakenOver = { cursor: bigint; attempts: Map<bigint, number> };

/**
 * Marks events delivered by a redelivery: their undelivered attempts (given up, rejected) and the
 * attempt the redelivery was asked for by id become REDELIVERED; rows still retrying stay the stream's.
 */
export async function markRedelivered(db: Db, delivered: readonly { connectionId: string; seq: bigint; failureId: string | null }[]): Promise<void> {
  if (delivered.length === 0) return;
  const seqs = delivered.map((d) => d.seq);
  const min = seqs.reduce((a, b) => (b < a ? b : a));
  const max = seqs.reduce((a, b) => (b > a ? b : a));
  // The sequence range bounds the index scan whatever plan fresh statistics lead to.
  await db.query(
    `UPDATE delivery_failures f SET outcome = 'REDELIVERED'
     FROM unnest($1::uuid[], $2::bigint[], $3::uuid[]) AS u(cid, seq, fid)
     WHERE f.connection_id = u.cid AND f.event_seq = u.seq AND f.outcome <> 'RETRYING'
       AND (f.outcome IN ('GIVEN_UP', 'REJECTED') OR f.id = u.fid)
       AND f.connection_id = ANY($1::uuid[]) AND f.event_seq BETWEEN $4 AND $5`,
    [delivered.map((d) => d.connectionId), delivered.map((d) => d.seq.toString()), delivered.map((d) => d.failureId), min.toString(), max.toString()],
  );
}

export type FailureFilter = {
  connection_id?: string;
  since?: string;
  until?: string;
  status_class?: "4xx" | "5xx" | "network";
  event_type?: string;
  event_id?: string;
};

/**
 * The WHERE conditions on `delivery_failures <alias>` for an organization's filter, within the
 * 30-day list; parameters are appended to `values` (which holds the organization's id at `orgParam`).
 */
export function failureFilterSql(filter: FailureFilter, values: unknown[], orgParam: number, now = new Date(), alias = "f"): string[] {
  const floor = retentionFloor(now);
  const where = [`${alias}.organization_id = $${orgParam}`];
  const add = (sql: string, value: unknown) => {
    values.push(value);
    where.push(`${alias}.${sql.replace("?", `$${values.length}`)}`);
  };
  add("attempted_at >= ?", filter.since && new Date(filter.since) > floor ? new Date(filter.since) : floor);
  if (filter.until) add("attempted_at < ?", new Date(filter.until));
  if (filter.connection_id) add("connection_id = ?", filter.connection_id);
  if (filter.event_type) add("event_type = ?", filter.event_type);
  if (filter.event_id) add("event_id = ?::uuid", filter.event_id);
  if (filter.status_class === "4xx") where.push(`${alias}.status_code BETWEEN 400 AND 499`);
  if (filter.status_class === "5xx") where.push(`${alias}.status_code BETWEEN 500 AND 599`);
  if (filter.status_class === "network") where.push(`${alias}.status_code IS NULL`);
  return where;
}

export type FailureRow = {
  id: string;
  connection_id: string;
  connection_name: string;
  event_id: string;
  event_type: string;
  attempted_at: Date;
  /** PostgreSQL's own text of attempted_at, so a page cursor keeps its microseconds. */
  at_text: string;
  attempt: number;
  status_code: number | null;
  error: string | null;
  response_excerpt: string | null;
  latency_ms: number;
  outcome: FailureOutcome;
  event_seq: string;
};

const SELECT = `
  SELECT f.id, f.connection_id, c.name AS connection_name, f.event_id, f.event_type, f.attempted_at,
         to_char(f.attempted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at_text, f.attempt,
         f.status_code, f.error, f.response_excerpt, f.latency_ms, f.outcome::text AS outcome, f.event_seq::text AS event_seq
  FROM delivery_failures f JOIN connections c ON c.id = f.connection_id`;

/**
 * A page of the organization's failed attempts, newest first, after the keyset `after`. Keyset
 * pagination on (attempted_at, id) walks the (organization_id, attempted_at DESC, id DESC) index,
 * so page 1,000 costs what page 1 does.
 */
export async function selectFailures(
  db: Db,
  organizationId: string,
  filter: FailureFilter,
  page: { after?: { at: string; id: string }; limit: number },
  now = new Date(),
): Promise<FailureRow[]> {
  const values: unknown[] = [organizationId];
  const where = failureFilterSql(filter, values, 1, now);
  if (page.after) {
    values.push(page.after.at, page.after.id);
    where.push(`(f.attempted_at, f.id) < ($${values.length - 1}::timestamptz, $${values.length}::uuid)`);
  }
  values.push(page.limit);
  const { rows } = await db.query<FailureRow>(`${SELECT} WHERE ${where.join(" AND ")} ORDER BY f.attempted_at DESC, f.id DESC LIMIT $${values.length}`, values);
  return rows;
}

export type FailureGroupRow = Omit<FailureRow, "attempt" | "response_excerpt" | "latency_ms"> & {
  attempts: number;
  first_attempted_at: Date;
};

/**
 * A page of the organization's failed deliveries grouped by (connection, event), the group with the
 * latest attempt first, after the keyset `after` (that attempt's time and id). The walk is the same
 * (organization_id, attempted_at DESC, id DESC) index as the attempt list: an attempt stands for its
 * group when no later attempt of the same event matches the filter (one probe of the
 * (connection_id, event_seq) index), and only the page's groups are counted. So the first page
 * costs about a page of probes however many attempts are listed.
 */
export async function selectFailureGroups(
  db: Db,
  organizationId: string,
  filter: FailureFilter,
  page: { after?: { at: string; id: string }; limit: number },
  now = new Date(),
): Promise<FailureGroupRow[]> {
  const values: unknown[] = [organizationId];
  const where = failureFilterSql(filter, values, 1, now);
  const same = (x: string) => [`${x}.connection_id = f.connection_id`, `${x}.event_seq = f.event_seq`, ...failureFilterSql(filter, values, 1, now, x)].join(" AND ");
  where.push(`NOT EXISTS (SELECT 1 FROM delivery_failures x WHERE ${same("x")} AND (x.attempted_at, x.id) > (f.attempted_at, f.id))`);
  if (page.after) {
    values.push(page.after.at, page.after.id);
    where.push(`(f.attempted_at, f.id) < ($${values.length - 1}::timestamptz, $${values.length}::uuid)`);
  }
  const counted = same("g");
  values.push(page.limit);
  const { rows } = await db.query<FailureGroupRow>(
    `SELECT f.id, f.connection_id, c.name AS connection_name, f.event_id, f.event_type, f.attempted_at,
            to_char(f.attempted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at_text,
            f.status_code, f.error, f.outcome::text AS outcome, f.event_seq::text AS event_seq, a.attempts, a.first_attempted_at
     FROM delivery_failures f JOIN connections c ON c.id = f.connection_id
     CROSS JOIN LATERAL (SELECT count(*)::int AS attempts, min(g.attempted_at) AS first_attempted_at FROM delivery_failures g WHERE ${counted}) a
     WHERE ${where.join(" AND ")}
     ORDER BY f.attempted_at DESC, f.id DESC LIMIT $${values.length}`,
    values,
  );
  return rows;
}

/** One failed attempt of the organization, or null. */
export async function findFailure(db: Db, organizationId: string, id: string): Promise<FailureRow | null> {
  const { rows } = await db.query<FailureRow>(`${SELECT} WHERE f.id = $1 AND f.organization_id = $2`, [id, organizationId]);
  return rows[0] ?? null;
}

/** Which of these ids are failed attempts the organization still lists. */
export async function listedFailureIds(db: Db, organizationId: string, ids: readonly string[], now = new Date()): Promise<Set<string>> {
  const { rows } = await db.query<{ id: string }>("SELECT id FROM delivery_failures WHERE organization_id = $1 AND attempted_at >= $2 AND id = ANY($3::uuid[])", [
    organizationId,
    retentionFloor(now),
    ids,
  ]);
  return new Set(rows.map((r) => r.id));
}

/**
 * A query of the (connection_id, event_seq, failure_id) a redelivery sends: the events of these
 * listed attempts (whatever their outcome), or every event matching the filter that is still
 * undelivered (given up or rejected), at most `limit`. Parameters are appended to `values`, which
 * holds the organization's id at `orgParam`.
 */
export function redeliverableEventsSql(
  criteria: { ids: readonly string[] } | FailureFilter,
  values: unknown[],
  orgParam: number,
  limit: number,
  now = new Date(),
): string {
  if ("ids" in criteria) {
    values.push(retentionFloor(now), [...new Set(criteria.ids)]);
    return `SELECT DISTINCT ON (f.connection_id, f.event_seq) f.connection_id, f.event_seq, f.id AS failure_id
            FROM delivery_failures f
            WHERE f.organization_id = $${orgParam} AND f.attempted_at >= $${values.length - 1} AND f.id = ANY($${values.length}::uuid[])
            ORDER BY f.connection_id, f.event_seq, f.attempted_at DESC`;
  }
  const where = [...failureFilterSql(criteria, values, orgParam, now), "f.outcome IN ('GIVEN_UP', 'REJECTED')"];
  values.push(limit);
  return `SELECT DISTINCT f.connection_id, f.event_seq, NULL::uuid AS failure_id
          FROM delivery_failures f WHERE ${where.join(" AND ")}
          LIMIT $${values.length}`;
}

/** A condition: the stream is still retrying the event `seq` on the connection `connection` (SQL expressions). */
export function stillRetryingSql(connection: string, seq: string): string {
  return `EXISTS (SELECT 1 FROM delivery_failures x WHERE x.connection_id = ${connection} AND x.event_seq = ${seq} AND x.outcome = 'RETRYING')`;
}

/** SQL of the lowest event sequence number a listed attempt (at or after `floor`, an SQL expression) refers to. */
export function minListedEventSeqSql(floor: string): string {
  return `SELECT min(f.event_seq) FROM delivery_failures f WHERE f.attempted_at >= ${floor}`;
}

type Partition = { name: string; until: Date };

/** The weekly partitions with the end of their range (the table as it was before partitioning included). */
export async function listFailurePartitions(db: Db): Promise<Partition[]> {
  const { rows } = await db.query<Partition>(
    `SELECT c.relname AS name, (regexp_match(pg_get_expr(c.relpartbound, c.oid), 'TO \\(''([^'']+)''\\)'))[1]::timestamptz AS until
     FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
     WHERE i.inhparent = 'delivery_failures'::regclass ORDER BY 2`,
  );
  return rows;
}

// Upkeeps of several workers take turns (each sees what the previous one created).
const UPKEEP_LOCK = 72707383;

/** Creates the weekly partitions missing up to two weeks ahead of `now`; returns their names. */
export async function upkeepFailurePartitions(pool: pg.Pool, now = new Date()): Promise<string[]> {
  return withTransaction(pool, async (client) => {
    await client.query("SELECT pg_advisory_xact_lock($1)", [UPKEEP_LOCK]);
    const last = (await listFailurePartitions(client)).at(-1);
    const created: string[] = [];
    for (const week of failureWeeksToAdd(last?.until ?? null, now)) {
      const { rows } = await client.query<{ name: string }>("SELECT tributary_add_failures_partition($1, $2) AS name", [week.from, week.to]);
      created.push(rows[0]!.name);
    }
    return created;
  });
}

/**
 * Drops the weekly partitions whose every attempt is older than the 30-day list; returns their names.
 * A drop waits at most a second for the table's lock (lock_timeout); one that could not get it is
 * tried again the next day.
 */
export async function dropExpiredFailurePartitions(db: Db, now = new Date()): Promise<string[]> {
  const floor = retentionFloor(now);
  const dropped: string[] = [];
  for (const p of await listFailurePartitions(db)) {
    if (p.until.getTime() > floor.getTime()) continue;
    try {
      await db.query("SELECT tributary_drop_failures_partition($1)", [p.name]);
      dropped.push(p.name);
    } catch (err) {
      if ((err as { code?: string }).code !== "55P03") throw err;
    }
  }
  return dropped;
}

/** The organizations with failed attempts in [since, until). */
export async function organizationsWithFailures(db: Db, since: Date, until: Date): Promise<string[]> {
  const { rows } = await db.query<{ organization_id: string }>(
    "SELECT DISTINCT organization_id FROM delivery_failures WHERE attempted_at >= $1 AND attempted_at < $2",
    [since, until],
  );
  return rows.map((r) => r.organization_id);
}

export type ConnectionFailures = {
  connectionId: string;
  connectionName: string;
  failedDeliveries: number;
  failedAttempts: number;
  topErrors: { label: string; count: number }[];
};

/** Per connection of the organization: failed deliveries (distinct events), attempts and the top three errors in [since, until). */
export async function failuresByConnection(db: Db, organizationId: string, since: Date, until: Date): Promise<ConnectionFailures[]> {
  const { rows } = await db.query<{ id: string; name: string; deliveries: string; attempts: string; top: { label: string; count: number }[] }>(
    `SELECT c.id, c.name,
            count(DISTINCT f.event_seq)::text AS deliveries, count(*)::text AS attempts,
            (SELECT coalesce(json_agg(t ORDER BY t.count DESC, t.label), '[]'::json) FROM (
               SELECT coalesce('HTTP ' || f2.status_code, f2.error, 'unknown error') AS label, count(*)::int AS count
               FROM delivery_failures f2
               WHERE f2.connection_id = c.id AND f2.attempted_at >= $2 AND f2.attempted_at < $3
               GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 3) t) AS top
     FROM delivery_failures f JOIN connections c ON c.id = f.connection_id
     WHERE f.organization_id = $1 AND f.attempted_at >= $2 AND f.attempted_at < $3
     GROUP BY c.id, c.name ORDER BY count(DISTINCT f.event_seq) DESC, c.name`,
    [organizationId, since, until],
  );
  return rows.map((r) => ({
    connectionId: r.id,
    connectionName: r.name,
    failedDeliveries: Number(r.deliveries),
    failedAttempts: Number(r.attempts),
    topErrors: r.top,
  }));
}

/** Deletes every failed attempt of an organization (the organization is being deleted), in the caller's transaction. */
export async function purgeOrganizationFailures(sql: Sql, organizationId: string): Promise<void> {
  await sql.run("DELETE FROM delivery_failures WHERE organization_id = $1::uuid", [organizationId]);
}
