import type pg from "pg";
import { z } from "zod";
import { AppError } from "../errors";
import { isUuid, parseOrThrow } from "../validation";
import { RETENTION_DAYS } from "./retention";

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

/**
 * The organization's failed delivery attempts of the last 30 days, newest first, filtered, one page
 * at a time. Keyset pagination on (attempted_at, id) walks the
 * (organization_id, attempted_at DESC, id DESC) index, so page 1,000 costs what page 1 does.
 */
export type FailureFilter = Pick<FailuresQuery, "connection_id" | "since" | "until" | "status_class" | "event_type">;

/**
 * The WHERE conditions on `delivery_failures f` for an organization's filter, within the 30-day
 * list; parameters are appended to `values` (which holds the organization's id at `orgParam`).
 */
export function failureFilterSql(filter: FailureFilter, values: unknown[], orgParam: number, now = new Date()): string[] {
  const floor = new Date(now.getTime() - RETENTION_DAYS * 24 * 3600_000);
  const where = [`f.organization_id = $${orgParam}`];
  const add = (sql: string, value: unknown) => {
    values.push(value);
    where.push(sql.replace("?", `$${values.length}`));
  };
  add("f.attempted_at >= ?", filter.since && new Date(filter.since) > floor ? new Date(filter.since) : floor);
  if (filter.until) add("f.attempted_at < ?", new Date(filter.until));
  if (filter.connection_id) add("f.connection_id = ?", filter.connection_id);
  if (filter.event_type) add("f.event_type = ?", filter.event_type);
  if (filter.status_class === "4xx") where.push("f.status_code BETWEEN 400 AND 499");
  if (filter.status_class === "5xx") where.push("f.status_code BETWEEN 500 AND 599");
  if (filter.status_class === "network") where.push("f.status_code IS NULL");
  return where;
}

export async function listFailures(pool: pg.Pool, organizationId: string, q: FailuresQuery, now = new Date()) {
  const values: unknown[] = [organizationId];
  const where = failureFilterSql(q, values, 1, now);
  if (q.cursor) {
    const c = decodeCursor(q.cursor);
    values.push(c.at, c.id);
    where.push(`(f.attempted_at, f.id) < ($${values.length - 1}::timestamptz, $${values.length}::uuid)`);
  }
  values.push(q.limit + 1);
  const { rows } = await pool.query<{
    id: string;
    connection_id: string;
    connection_name: string;
    event_id: string;
    event_type: string;
    attempted_at: Date;
    at_text: string;
    attempt: number;
    status_code: number | null;
    error: string | null;
    response_excerpt: string | null;
    latency_ms: number;
    outcome: FailureDto["outcome"];
  }>(
    `SELECT f.id, f.connection_id, c.name AS connection_name, f.event_id, f.event_type, f.attempted_at,
            to_char(f.attempted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at_text, f.attempt,
            f.status_code, f.error, f.response_excerpt, f.latency_ms, f.outcome::text AS outcome
     FROM delivery_failures f JOIN connections c ON c.id = f.connection_id
     WHERE ${where.join(" AND ")}
     ORDER BY f.attempted_at DESC, f.id DESC
     LIMIT $${values.length}`,
    values,
  );
  const page = rows.slice(0, q.limit);
  const last = page[page.length - 1];
  return {
    data: page.map(({ at_text: _at, ...r }): FailureDto => ({ ...r, attempted_at: r.attempted_at.toISOString() })),
    next_cursor: rows.length > q.limit && last ? encodeCursor(last.at_text, last.id) : null,
  };
}
