import type PgBoss from "pg-boss";
import type pg from "pg";
import { z } from "zod";
import { actorOf, type Principal } from "../auth/principal";
import { AppError } from "../errors";
import { isUuid, parseOrThrow } from "../validation";
import { withTransaction } from "../db/pool";
import { wireEvent } from "../events/envelope";
import { EVENT_TYPES } from "../events/event-types";
import { insertEvents } from "../events/publish";
import { failureFilterSql, failuresQuerySchema } from "./list-failures";
import { REDELIVERY_QUEUE, type RedeliveryJob } from "./redelivery-queue";

export { REDELIVERY_QUEUE };
import { RETENTION_DAYS } from "./retention";

/** One request redelivers at most this many events; a larger selection asks for a narrower filter. */
export const MAX_REDELIVERY_EVENTS = 100_000;
export const MAX_REDELIVERY_IDS = 1_000;
const REQUEST_LOCK = 7273;

export const redeliveryIdsSchema = z.strictObject({
  ids: z
    .array(z.uuid("Each id must be the UUID of a failed delivery."))
    .min(1, "Give at least one id.")
    .max(MAX_REDELIVERY_IDS, `At most ${MAX_REDELIVERY_IDS} ids per request; use a filter for more.`),
}).meta({ description: "Redeliver the events of these failed attempts (any outcome but RETRYING)." });

export const redeliveryFilterSchema = failuresQuerySchema
  .pick({ connection_id: true, since: true, until: true, status_class: true, event_type: true })
  .strict()
  .refine((f) => Object.values(f).some((v) => v !== undefined), {
    message: 'Send {"ids": [...]} or a filter with at least one of connection_id, since, until, status_class, event_type.',
  })
  .refine((f) => !f.since || !f.until || new Date(f.since) < new Date(f.until), { message: "since must be before until.", path: ["until"] })
  .meta({
    minProperties: 1,
    description: `Redeliver every still-undelivered event (GIVEN_UP or REJECTED) matching the filter, at most ${MAX_REDELIVERY_EVENTS.toLocaleString("en-US")}.`,
  });

export type RedeliveryCriteria = z.infer<typeof redeliveryIdsSchema> | z.infer<typeof redeliveryFilterSchema>;

/** `{"ids": [...]}` or a filter (`connection_id`, `since`, `until`, `status_class`, `event_type`). */
export function parseRedeliveryRequest(raw: unknown): RedeliveryCriteria {
  const isIds = typeof raw === "object" && raw !== null && "ids" in raw;
  return isIds ? parseOrThrow(redeliveryIdsSchema, raw) : parseOrThrow(redeliveryFilterSchema, raw ?? {});
}

export const redeliverySchema = z.object({
  id: z.uuid(),
  status: z.enum(["QUEUED", "RUNNING", "COMPLETED", "CANCELLED"]),
  criteria: z.union([redeliveryIdsSchema, redeliveryFilterSchema]).meta({ description: "The request's ids or filter" }),
  total: z.int().meta({ description: "Events in this redelivery (one per connection and event)" }),
  succeeded: z.int(),
  failed: z.int().meta({ description: "Sent and not answered 2xx, or not sent after the destination failed 5 times in a row" }),
  skipped: z.int().meta({ description: "Not sent: connection disabled or deleted, still retrying, already being redelivered, cancelled" }),
  pending: z.int(),
  requested_by: z.object({ id: z.uuid(), name: z.string() }).nullable(),
  created_at: z.iso.datetime(),
  started_at: z.iso.datetime().nullable(),
  finished_at: z.iso.datetime().nullable(),
});
export type RedeliveryDto = z.infer<typeof redeliverySchema>;
export type RedeliveryStatus = RedeliveryDto["status"];

type Row = Omit<RedeliveryDto, "pending" | "requested_by" | "created_at" | "started_at" | "finished_at"> & {
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

function toDto(r: Row): RedeliveryDto {
  return {
    id: r.id,
    status: r.status,
    criteria: r.criteria,
    total: r.total,
    succeeded: r.succeeded,
    failed: r.failed,
    skipped: r.skipped,
    pending: Math.max(0, r.total - r.succeeded - r.failed - r.skipped),
    requested_by: r.requested_by_id ? { id: r.requested_by_id, name: r.requested_by_name ?? "" } : null,
    created_at: r.created_at.toISOString(),
    started_at: r.started_at?.toISOString() ?? null,
    finished_at: r.finished_at?.toISOString() ?? null,
  };
}

// Why an event is not sent again, worked out when the redelivery is requested.
const SKIP_REASON_SQL = `
  CASE
    WHEN NOT c.enabled THEN 'The connection is disabled; enable it to redeliver.'
    WHEN EXISTS (SELECT 1 FROM delivery_failures x WHERE x.connection_id = s.connection_id AND x.event_seq = s.event_seq AND x.outcome = 'RETRYING')
      THEN 'The stream is still retrying this event.'
    WHEN EXISTS (SELECT 1 FROM redelivery_items i JOIN redeliveries r ON r.id = i.redelivery_id
                 WHERE i.connection_id = s.connection_id AND i.event_seq = s.event_seq AND i.state = 'PENDING'
                   AND r.status IN ('QUEUED', 'RUNNING'))
      THEN 'Another redelivery is already sending this event.'
  END`;

/**
 * Records a redelivery and queues it for the worker, in one transaction with its audit event.
 * `ids` redelivers the events of those failed attempts (whatever their outcome: an admin may resend
 * one that was delivered later); a filter redelivers every event that matches and is still
 * undelivered (given up or rejected, not redelivered since). Each (connection, event) is sent once
 * per redelivery. Events that cannot be sent now are kept as skipped, with the reason.
 */
export async function requestRedelivery(
  pool: pg.Pool,
  boss: Pick<PgBoss, "send">,
  principal: Principal,
  criteria: RedeliveryCriteria,
  now = new Date(),
): Promise<RedeliveryDto> {
  const redeliveryId = await withTransaction(pool, async (client) => {
    // One request at a time per organization, so two requests cannot both claim the same events.
    await client.query("SELECT pg_advisory_xact_lock($1, hashtext($2))", [REQUEST_LOCK, principal.organizationId]);
    const { rows } = await client.query<{ id: string }>(
      "INSERT INTO redeliveries (organization_id, requested_by_id, criteria, total, created_at) VALUES ($1, $2, $3::jsonb, 0, $4) RETURNING id",
      [principal.organizationId, principal.user.id, JSON.stringify(criteria), now],
    );
    const id = rows[0]!.id;
    const floor = new Date(now.getTime() - RETENTION_DAYS * 24 * 3600_000);

    let selection: string;
    const values: unknown[] = [id, principal.organizationId];
    if ("ids" in criteria) {
      values.push(floor);
      const ids = [...new Set(criteria.ids)];
      values.push(ids);
      const found = await client.query<{ id: string }>(
        "SELECT id FROM delivery_failures WHERE organization_id = $1 AND attempted_at >= $2 AND id = ANY($3::uuid[])",
        [principal.organizationId, floor, ids],
      );
      if (found.rowCount !== ids.length) {
        const known = new Set(found.rows.map((r) => r.id));
        const missing = ids.filter((x) => !known.has(x));
        throw new AppError("NOT_FOUND", `No failed delivery of the last ${RETENTION_DAYS} days has the id ${missing.slice(0, 3).join(", ")}${missing.length > 3 ? ` (and ${missing.length - 3} more)` : ""}.`, {
          missing_ids: missing,
        });
      }
      selection = `SELECT DISTINCT ON (f.connection_id, f.event_seq) f.connection_id, f.event_seq, f.id AS failure_id
                   FROM delivery_failures f
                   WHERE f.organization_id = $2 AND f.attempted_at >= $3 AND f.id = ANY($4::uuid[])
                   ORDER BY f.connection_id, f.event_seq, f.attempted_at DESC`;
    } else {
      const where = [...failureFilterSql(criteria, values, 2, now), "f.outcome IN ('GIVEN_UP', 'REJECTED')"];
      values.push(MAX_REDELIVERY_EVENTS + 1);
      selection = `SELECT DISTINCT f.connection_id, f.event_seq, NULL::uuid AS failure_id
                   FROM delivery_failures f WHERE ${where.join(" AND ")}
                   LIMIT $${values.length}`;
    }
    const inserted = await client.query<{ skipped: number; total: number }>(
      `WITH s AS (${selection}),
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
    const { total, skipped } = inserted.rows[0]!;
    if (total > MAX_REDELIVERY_EVENTS) {
      throw new AppError(
        "VALIDATION_FAILED",
        `More than ${MAX_REDELIVERY_EVENTS.toLocaleString("en-US")} events match. Narrow the filter (a connection, a shorter time range) and redeliver in parts.`,
        [{ path: "since", message: `More than ${MAX_REDELIVERY_EVENTS} events match.` }],
      );
    }
    if (total - skipped === 0) {
      const reasons = await client.query<{ error: string; count: number }>(
        "SELECT error, count(*)::int AS count FROM redelivery_items WHERE redelivery_id = $1 GROUP BY error ORDER BY count DESC",
        [id],
      );
      throw new AppError(
        "CONFLICT",
        total === 0
          ? "Nothing to redeliver: no undelivered failure (given up or rejected) matches this filter."
          : `Nothing to redeliver: ${reasons.rows.map((r) => r.error).join(" ")}`,
        { skipped: reasons.rows },
      );
    }
    await client.query("UPDATE redeliveries SET total = $2, skipped = $3 WHERE id = $1", [id, total, skipped]);
    await insertEvents(client, principal.organizationId, [
      wireEvent({
        eventType: EVENT_TYPES.redeliveryRequested,
        actor: actorOf(principal),
        timestamp: now,
        data: { redelivery_id: id, criteria, events: total - skipped, skipped },
      }),
    ]);
    const job: RedeliveryJob = { redeliveryId: id };
    const jobId = await boss.send(REDELIVERY_QUEUE, job, { db: { executeSql: (text: string, v: unknown[]) => client.query(text, v) } });
    if (!jobId) throw new AppError("WORKER_UNAVAILABLE", "The background worker has not set up its queues yet. Start the worker (npm start runs it) and try again.");
    return id;
  });
  return (await getRedelivery(pool, principal.organizationId, redeliveryId))!;
}

function assertUuid(id: string) {
  if (!isUuid(id)) throw new AppError("NOT_FOUND", "No redelivery with that id.");
}

export async function getRedelivery(pool: pg.Pool, organizationId: string, id: string): Promise<RedeliveryDto | null> {
  assertUuid(id);
  const { rows } = await pool.query<Row>(`${SELECT} WHERE r.id = $1 AND r.organization_id = $2`, [id, organizationId]);
  return rows[0] ? toDto(rows[0]) : null;
}

const redeliveryProblemSchema = z.object({ state: z.enum(["FAILED", "SKIPPED"]), message: z.string(), count: z.int() });
export type RedeliveryProblem = z.infer<typeof redeliveryProblemSchema>;
/** One redelivery with the most frequent reasons its events failed or were skipped. */
export const redeliveryWithProblemsSchema = redeliverySchema.extend({ problems: z.array(redeliveryProblemSchema) });
export type RedeliveryWithProblems = z.infer<typeof redeliveryWithProblemsSchema>;

/** One redelivery with the reasons its events failed or were skipped, most frequent first. */
export async function loadRedelivery(pool: pg.Pool, organizationId: string, id: string): Promise<RedeliveryWithProblems> {
  const redelivery = await getRedelivery(pool, organizationId, id);
  if (!redelivery) throw new AppError("NOT_FOUND", "No redelivery with that id.");
  const { rows } = await pool.query<RedeliveryProblem>(
    `SELECT state::text, coalesce(error, 'HTTP ' || status_code) AS message, count(*)::int AS count
     FROM redelivery_items WHERE redelivery_id = $1 AND state IN ('FAILED', 'SKIPPED')
     GROUP BY 1, 2 ORDER BY count DESC, message LIMIT 5`,
    [id],
  );
  return { ...redelivery, problems: rows };
}

/** The organization's redeliveries of the last 30 days, newest first. */
export async function listRedeliveries(pool: pg.Pool, organizationId: string, limit = 10): Promise<RedeliveryDto[]> {
  const { rows } = await pool.query<Row>(`${SELECT} WHERE r.organization_id = $1 ORDER BY r.created_at DESC LIMIT $2`, [organizationId, limit]);
  return rows.map(toDto);
}

/** Stops a queued or running redelivery: what is not sent yet is skipped. The worker stops within one request. */
export async function cancelRedelivery(pool: pg.Pool, principal: Principal, id: string, now = new Date()): Promise<RedeliveryDto> {
  assertUuid(id);
  await withTransaction(pool, async (client) => {
    const { rows } = await client.query<{ status: RedeliveryStatus }>("SELECT status::text FROM redeliveries WHERE id = $1 AND organization_id = $2 FOR UPDATE", [
      id,
      principal.organizationId,
    ]);
    const current = rows[0];
    if (!current) throw new AppError("NOT_FOUND", "No redelivery with that id.");
    if (current.status === "COMPLETED" || current.status === "CANCELLED") {
      throw new AppError("CONFLICT", `This redelivery is already ${current.status.toLowerCase()}.`);
    }
    const skipped = await client.query(
      "UPDATE redelivery_items SET state = 'SKIPPED', error = 'Cancelled before it was sent.' WHERE redelivery_id = $1 AND state = 'PENDING'",
      [id],
    );
    await client.query("UPDATE redeliveries SET status = 'CANCELLED', skipped = skipped + $2, finished_at = $3 WHERE id = $1", [id, skipped.rowCount ?? 0, now]);
    await insertEvents(client, principal.organizationId, [
      wireEvent({
        eventType: EVENT_TYPES.redeliveryCancelled,
        actor: actorOf(principal),
        timestamp: now,
        data: { redelivery_id: id, not_sent: skipped.rowCount ?? 0 },
      }),
    ]);
  });
  return (await getRedelivery(pool, principal.organizationId, id))!;
}
