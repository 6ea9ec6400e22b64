import type pg from "pg";
import { z } from "zod";
import { AppError } from "../errors";
import { isUuid, parseOrThrow } from "../validation";
import { selectFailures } from "./failure-store";

export const failuresQuerySchema = z.object({
  connection_id: z.uuid("connection_id must be a UUID").optional(),
  since: z.iso.datetime({ offset: true, error: "since must be an RFC 3339 date-time" }).optional(),
  until: z.iso.datetime({ offset: true, error: "until must be an RFC 3339 date-time" }).optional(),
  status_class: z.enum(["4xx", "5xx", "network"], { error: "status_class must be 4xx, 5xx or network" }).optional(),
  event_type: z.string().regex(/^[A-Z0-9_]+$/, "event_type must be UPPER_SNAKE_CASE").optional(),
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

// The cursor carries PostgreSQL's own text of the timestamp, so microseconds survive the round trip.
function encodeCursor(at: string, id: string): string {
  return Buffer.from(`${at}|${id}`).toString("base64url");
}

function decodeCursor(cursor: string): { at: string; id: string } {
  const [at, id] = Buffer.from(cursor, "base64url").toString("utf8").split("|");
  if (!at || !id || !/^\d{4}-\d\d-\d\d[ T][\d:.]+([+-]\d\d(:?\d\d)?|Z)$/.test(at) || !isUuid(id)) {
    throw new AppError("VALIDATION_FAILED", "The cursor is not one this API returned. Start again without it.", [{ path: "cursor", message: "Invalid cursor." }]);
  }
  return { at, id };
}

export function parseFailuresQuery(params: Record<string, string | undefined>): FailuresQuery {
  return parseOrThrow(failuresQuerySchema, params);
}

/** The organization's failed delivery attempts of the last 30 days, newest first, filtered, one page at a time. */
export async function listFailures(pool: pg.Pool, organizationId: string, q: FailuresQuery, now = new Date()) {
  const rows = await selectFailures(pool, organizationId, q, { after: q.cursor ? decodeCursor(q.cursor) : undefined, limit: q.limit + 1 }, now);
  const page = rows.slice(0, q.limit);
  const last = page[page.length - 1];
  return {
    data: page.map(({ at_text: _at, event_seq: _seq, ...r }): FailureDto => ({ ...r, attempted_at: r.attempted_at.toISOString() })),
    next_cursor: rows.length > q.limit && last ? encodeCursor(last.at_text, last.id) : null,
  };
}
