import type pg from "pg";
import { z } from "zod";
import { actorOf, personId, type Principal } from "../auth/principal";
import { AppError } from "../errors";
import { isUuid, parseOrThrow } from "../validation";
import { withTransaction } from "../db/pool";
import { wireEvent } from "../events/envelope";
import { EVENT_TYPES } from "../events/event-types";
import { insertEvents } from "../events/publish";
import type { JobSender } from "../jobs/boss";
import { redeliveryJob } from "../jobs/definitions/redelivery";
import { sendJob } from "../jobs/job";
import { listedFailureIds, RETENTION_DAYS, redeliverableEventsSql } from "./failure-store";
import { failuresQuerySchema } from "./list-failures";
import {
  cancelItems,
  findRedelivery,
  insertItems,
  insertRedelivery,
  itemProblems,
  itemReasons,
  latestRedeliveries,
  lockRedelivery,
  type RedeliveryRow,
  setTotals,
} from "./redelivery-store";

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

function toDto(r: RedeliveryRow): RedeliveryDto {
  return {
    id: r.id,
    status: r.status,
    criteria: r.criteria as RedeliveryCriteria,
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

/**
 * Records a redelivery and queues it for the worker, in one transaction with its audit event.
 * `ids` redelivers the events of those failed attempts (whatever their outcome: an admin may resend
 * one that was delivered later); a filter redelivers every event that matches and is still
 * undelivered (given up or rejected, not redelivered since). Each (connection, event) is sent once
 * per redelivery. Events that cannot be sent now are kept as skipped, with the reason.
 */
export async function requestRedelivery(
  pool: pg.Pool,
  boss: JobSender,
  principal: Principal,
  criteria: RedeliveryCriteria,
  now = new Date(),
): Promise<RedeliveryDto> {
  const redeliveryId = await withTransaction(pool, async (client) => {
    // One request at a time per organization, so two requests cannot both claim the same events.
    await client.query("SELECT pg_advisory_xact_lock($1, hashtext($2))", [REQUEST_LOCK, principal.organizationId]);
    const id = await insertRedelivery(client, { organizationId: principal.organizationId, requestedById: personId(principal), criteria, createdAt: now });
    if ("ids" in criteria) {
      const ids = [...new Set(criteria.ids)];
      const known = await listedFailureIds(client, principal.organizationId, ids, now);
      if (known.size !== ids.length) {
        const missing = ids.filter((x) => !known.has(x));
        throw new AppError("NOT_FOUND", `No failed delivery of the last ${RETENTION_DAYS} days has the id ${missing.slice(0, 3).join(", ")}${missing.length > 3 ? ` (and ${missing.length - 3} more)` : ""}.`, {
          missing_ids: missing,
        });
      }
    }
    const { total, skipped } = await insertItems(client, id, (values) => {
      values.push(principal.organizationId);
      return redeliverableEventsSql(criteria, values, values.length, MAX_REDELIVERY_EVENTS + 1, now);
    });
    if (total > MAX_REDELIVERY_EVENTS) {
      throw new AppError(
        "VALIDATION_FAILED",
        `More than ${MAX_REDELIVERY_EVENTS.toLocaleString("en-US")} events match. Narrow the filter (a connection, a shorter time range) and redeliver in parts.`,
        [{ path: "since", message: `More than ${MAX_REDELIVERY_EVENTS} events match.` }],
      );
    }
    if (total - skipped === 0) {
      const reasons = await itemReasons(client, id);
      throw new AppError(
        "CONFLICT",
        total === 0
          ? "Nothing to redeliver: no undelivered failure (given up or rejected) matches this filter."
          : `Nothing to redeliver: ${reasons.map((r) => r.error).join(" ")}`,
        { skipped: reasons },
      );
    }
    await setTotals(client, id, total, skipped);
    await insertEvents(client, principal.organizationId, [
      wireEvent({
        eventType: EVENT_TYPES.redeliveryRequested,
        actor: actorOf(principal),
        timestamp: now,
        data: { redelivery_id: id, criteria, events: total - skipped, skipped },
      }),
    ]);
    const jobId = await sendJob(boss, redeliveryJob, { redeliveryId: id }, { db: { executeSql: (text, v) => client.query(text, v) } });
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
  const row = await findRedelivery(pool, organizationId, id);
  return row ? toDto(row) : null;
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
  return { ...redelivery, problems: await itemProblems(pool, id) };
}

/** The organization's redeliveries of the last 30 days, newest first. */
export async function listRedeliveries(pool: pg.Pool, organizationId: string, limit = 10): Promise<RedeliveryDto[]> {
  return (await latestRedeliveries(pool, organizationId, limit)).map(toDto);
}

/** Stops a queued or running redelivery: what is not sent yet is skipped. The worker stops within one request. */
export async function cancelRedelivery(pool: pg.Pool, principal: Principal, id: string, now = new Date()): Promise<RedeliveryDto> {
  assertUuid(id);
  await withTransaction(pool, async (client) => {
    const status = await lockRedelivery(client, principal.organizationId, id);
    if (!status) throw new AppError("NOT_FOUND", "No redelivery with that id.");
    if (status === "COMPLETED" || status === "CANCELLED") throw new AppError("CONFLICT", `This redelivery is already ${status.toLowerCase()}.`);
    const notSent = await cancelItems(client, id, now);
    await insertEvents(client, principal.organizationId, [
      wireEvent({
        eventType: EVENT_TYPES.redeliveryCancelled,
        actor: actorOf(principal),
        timestamp: now,
        data: { redelivery_id: id, not_sent: notSent },
      }),
    ]);
  });
  return (await getRedelivery(pool, principal.organizationId, id))!;
}
