import { z } from "zod";
import { AppError } from "../errors";
import { eventTypeSchema, SEVERITIES, wireEvent, type WireEvent } from "./envelope";

export const MAX_BATCH = 1000;
export const MAX_BODY_BYTES = 5 * 1024 * 1024;

// PostgreSQL text cannot hold NUL or an unpaired surrogate, and its timestamps have no year 0: caught
// here so the publisher gets a 400 naming the item instead of a 500 for the whole batch.
const UNSTORABLE_TEXT = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const optionalText = (max: number) =>
  z
    .string()
    .max(max, `at most ${max} characters`)
    .refine((v) => !UNSTORABLE_TEXT.test(v), "must be valid Unicode text without NUL (\\u0000) characters")
    .nullable()
    .optional();
const storableYear = (v: string) => {
  const year = new Date(v).getUTCFullYear();
  return Number.isNaN(year) || (year >= 1 && year <= 9999);
};

/** One event as the host product publishes it (the seed's payload; most fields optional). */
export const ingestEventSchema = z
  .object({
    id: z.uuid("id must be a UUID").optional(),
    transaction_id: z.uuid("transaction_id must be a UUID").optional(),
    event_type: eventTypeSchema,
    severity: z.enum(SEVERITIES, { error: "severity must be INFO, WARNING or ALERT" }).default("INFO"),
    timestamp: z.iso
      .datetime({ offset: true, error: "timestamp must be an RFC 3339 date-time, e.g. 2024-10-22T18:20:31.622Z" })
      .refine(storableYear, "timestamp must fall between the years 0001 and 9999 in UTC")
      .optional(),
    actor_email: optionalText(320),
    actor_ip_address: optionalText(64),
    actor_name: optionalText(256),
    actor_user_id: optionalText(256),
    actor_user_agent: optionalText(1024),
    data: z.record(z.string(), z.unknown(), { error: "data must be a JSON object" }).default({}),
  })
  .strict();

/** The body of `POST /api/v1/events`: one event or a batch (parsed item by item below, so each error names its item). */
export const ingestBodySchema = z.union([ingestEventSchema, z.array(ingestEventSchema).min(1).max(MAX_BATCH)]);
export const ingestAcceptedSchema = z.object({ accepted: z.int(), ids: z.array(z.uuid()) });

export type ItemError = { index: number; path: string; message: string };

/**
 * Validates one event or a batch; the whole body is rejected with every item's errors listed
 * when any item is invalid. Returns the events in wire form, ids and timestamps filled in.
 */
export function parseIngestBody(body: unknown): WireEvent[] {
  const items = Array.isArray(body) ? body : [body];
  if (items.length === 0) throw new AppError("VALIDATION_FAILED", "The batch is empty: send one event or an array of 1 to 1,000.");
  if (items.length > MAX_BATCH) {
    throw new AppError("PAYLOAD_TOO_LARGE", `A batch holds at most ${MAX_BATCH} events; this one has ${items.length}. Split it.`, {
      max: MAX_BATCH,
      received: items.length,
    });
  }
  const errors: ItemError[] = [];
  const events: WireEvent[] = [];
  const now = new Date();
  items.forEach((item, index) => {
    const parsed = ingestEventSchema.safeParse(item);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) errors.push({ index, path: issue.path.map(String).join("."), message: issue.message });
      return;
    }
    const e = parsed.data;
    events.push(
      wireEvent({
        id: e.id,
        transactionId: e.transaction_id,
        eventType: e.event_type,
        severity: e.severity,
        timestamp: e.timestamp ? new Date(e.timestamp).toISOString() : now,
        actor: {
          email: e.actor_email ?? null,
          ipAddress: e.actor_ip_address ?? null,
          name: e.actor_name ?? null,
          userId: e.actor_user_id ?? null,
          userAgent: e.actor_user_agent ?? null,
        },
        data: e.data,
      }),
    );
  });
  if (errors.length > 0) {
    const first = errors[0]!;
    throw new AppError(
      "VALIDATION_FAILED",
      `${errors.length} problem${errors.length === 1 ? "" : "s"} in the ${Array.isArray(body) ? "batch" : "event"}; nothing was stored. First: ${
        Array.isArray(body) ? `item ${first.index}, ` : ""
      }${first.path || "event"}: ${first.message}`,
      errors,
    );
  }
  return events;
}
