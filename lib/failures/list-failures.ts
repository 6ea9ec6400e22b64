import type pg from "pg";
import { z } from "zod";
import { AppError } from "../errors";
import { isUuid, parseOrThrow } from "../validation";
import { selectFailureGroups, selectFailures } from "./failure-store";

export const failuresQuerySchema = z.object({
  connection_id: z.uuid("connection_id must be a UUID").optional(),
  since: z.iso.datetime({ offset: true, error: "since must be an RFC 3339 date-time" }).optional(),
  until: z.iso.datetime({ offset: true, error: "until must be an RFC 3339 date-time" }).optional(),
  status_class: z.enum(["4xx", "5xx", "network"], { error: "status_class must be 4xx, 5xx or network" }).optional(),
  event_type: z.string().regex(/^[A-Z0-9_]+$/, "event_type must be UPPER_SNAKE_CASE").optional(),
  event_id: z.uuid("event_id must be a UUID").optional().meta({ description: "Only the attempts of this event (every attempt of a grouped row)" }),
  group: z.enum(["event"], { error: "group must be event" }).optional().meta({ description: "event: one row per (connection, event) instead of one per attempt" }),
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export type FailuresQuery = z.infer<typeof failuresQuerySchema>;

/** One failed attempt, as the API lists it. */
export const failureSchema = z.object({
  id: z.uuid(),
  connection_id: z.uuid(),
  connection_name: z.string(),
  event_id: z.uuid(),
  event_type: z.string(),
  attempted_at: z.iso.datetime(),
  attempt: z.int(),
  status_code: z.int().nullable(),
  error: z.string().nullable(),
  response_excerpt: z.string().nullable(),
  latency_ms: z.int(),
  outcome: z.enum(["RETRYING", "DELIVERED_LATER", "GIVEN_UP", "REJECTED", "REDELIVERED"]),
});
export type FailureDto = z.infer<typeof failureSchema>;
export const failuresPageSchema = z.object({ data: z.array(failureSchema), next_cursor: z.string().nullable() });

/** The failed attempts of one event on one connection, as one row (`?group=event`); status and error are the last attempt's. */
export const failureGroupSchema = z.object({
  id: z.uuid().meta({ description: "The last attempt's id (redeliver the event with it; its detail is that attempt's)" }),
  connection_id: z.uuid(),
  connection_name: z.string(),
  event_id: z.uuid(),
  event_type: z.string(),
  attempts: z.int().meta({ description: "Failed attempts of the event on the connection that match the filter" }),
  first_attempted_at: z.iso.datetime(),
  last_attempted_at: z.iso.datetime(),
  status_code: z.int().nullable(),
  error: z.string().nullable(),
  outcome: failureSchema.shape.outcome,
});
export type FailureGroupDto = z.infer<typeof failureGroupSchema>;
export const failureGroupsPageSchema = z.object({ data: z.array(failureGroupSchema), next_cursor: z.string().nullable() });

// The cursor carries PostgreSQL's own text of the timestamp, so microseconds survive the round trip.
function encodeCursor(at: string, id: string): string {
  return Buffer.from(`${at}|${id}`).toString("base64url");
}

const CURSOR_AT = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)\.\d{6}Z$/;

/** Whether the cursor's time is one PostgreSQL can read: the exact format encodeCursor writes, with a real date and time. */
function validCursorTime(at: string): boolean {
  const m = CURSOR_AT.exec(at);
  if (!m) return false;
  const [year, month, day, hour, minute, second] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  return (
    year >= 1 &&
    date.getUTCFullYear() === year &&
    date.getUTCMonth() === month - 1 &&
    date.getUTCDate() === day &&
    date.getUTCHours() === hour &&
    date.getUTCMinutes() === minute &&
    date.getUTCSeconds() === second
  );
}

function decodeCursor(cursor: string): { at: string; id: string } {
  const [at, id, ...rest] = Buffer.from(cursor, "base64url").toString("utf8").split("|");
  if (!at || !id || rest.length > 0 || !validCursorTime(at) || !isUuid(id)) {
    throw new AppError("VALIDATION_FAILED", "The cursor is not one this API returned. Start again without it.", [{ path: "cursor", message: "Invalid cursor." }]);
  }
  return { at, id };
}

export function parseFailuresQuery(params: Record<string, string | undefined>): FailuresQuery {
  return parseOrThrow(failuresQuerySchema, params);
}

/** A page of rows fetched one beyond the limit: the page and the cursor to the next. */
function paged<R extends { at_text: string; id: string }>(rows: R[], limit: number) {
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return { page, next_cursor: rows.length > limit && last ? encodeCursor(last.at_text, last.id) : null };
}

/** The organization's failed delivery attempts of the last 30 days, newest first, filtered, one page at a time (`group` is ignored). */
export async function listFailures(pool: pg.Pool, organizationId: string, q: FailuresQuery, now = new Date()): Promise<z.infer<typeof failuresPageSchema>> {
  const after = q.cursor ? decodeCursor(q.cursor) : undefined;
  const { page, next_cursor } = paged(await selectFailures(pool, organizationId, q, { after, limit: q.limit + 1 }, now), q.limit);
  return {
    data: page.map(({ at_text: _at, event_seq: _seq, ...r }): FailureDto => ({ ...r, attempted_at: r.attempted_at.toISOString() })),
    next_cursor,
  };
}

/** Failed deliveries of the last 30 days grouped by (connection, event), the latest attempted first, one page at a time. */
export async function listFailureGroups(pool: pg.Pool, organizationId: string, q: FailuresQuery, now = new Date()): Promise<z.infer<typeof failureGroupsPageSchema>> {
  const rows = await selectFailureGroups(pool, organizationId, q, { after: q.cursor ? decodeCursor(q.cursor) : undefined, limit: q.limit + 1 }, now);
  const { page, next_cursor } = paged(rows, q.limit);
  return {
    data: page.map(
      (r): FailureGroupDto => ({
        id: r.id,
        connection_id: r.connection_id,
        connection_name: r.connection_name,
        event_id: r.event_id,
        event_type: r.event_type,
        attempts: r.attempts,
        first_attempted_at: r.first_attempted_at.toISOString(),
        last_attempted_at: r.attempted_at.toISOString(),
        status_code: r.status_code,
        error: r.error,
        outcome: r.outcome,
      }),
    ),
    next_cursor,
  };
}
