import { z } from "zod";
import type { Prisma } from "../db/generated/client";
import type { EventFilter } from "../delivery/event-filter";
import { compressionSchema, formatSchema } from "./schemas";
import { type ConnectionHealthDto, connectionHealthSchema } from "../health/connection-health";

export const connectionInclude = {
  apiKeys: { orderBy: { position: "asc" } },
  hmacSecrets: { orderBy: { createdAt: "asc" } },
} satisfies Prisma.ConnectionInclude;

export type ConnectionRow = Prisma.ConnectionGetPayload<{ include: typeof connectionInclude }>;
const userRefSchema = z.object({ id: z.uuid(), email: z.string(), name: z.string() });
type UserRef = z.infer<typeof userRefSchema>;

/** What the last re-enable skipped because of the catch-up limit (listed under failed deliveries as given up). */
export const catchUpSkipSchema = z.object({
  skipped_at: z.iso.datetime(),
  events: z.int().meta({ description: "Events skipped (those the event filter would not have sent are not counted)" }),
  oldest_event_at: z.iso.datetime().nullable(),
  newest_event_at: z.iso.datetime().nullable(),
  max_event_age_seconds: z.int(),
});
export type CatchUpSkip = z.infer<typeof catchUpSkipSchema>;

/** The API's `Connection`: never a secret value, only hints. */
export const connectionSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  url: z.string(),
  enabled: z.boolean(),
  disabled_at: z.iso.datetime().nullable(),
  disabled_reason: z.enum(["MANUAL", "AUTO"]).nullable(),
  disabled_by: userRefSchema.nullable(),
  disabled_details: z.unknown().meta({ description: "After an auto-disable: the numbers that crossed the policy's thresholds, and a summary" }),
  auth: z.object({
    type: z.enum(["NONE", "API_KEY", "HMAC"]),
    keys: z.array(z.object({ key: z.string(), add_to: z.enum(["HEADER", "QUERY"]), value_hint: z.string().meta({ description: "The value's last characters" }) })),
    hmac_secrets: z.array(z.object({ id: z.uuid(), created_at: z.iso.datetime(), hint: z.string() })),
  }),
  format: formatSchema,
  batch: z
    .object({ max_events: z.int(), max_bytes: z.int(), max_wait_ms: z.int() })
    .meta({ description: "Batch bounds (ignored for EVENT): events and uncompressed bytes per request, and how long a batch that is not full waits" }),
  compression: compressionSchema,
  event_filter: z.object({ include: z.array(z.string()), exclude: z.array(z.string()) }).nullable(),
  max_event_age_seconds: z.int().nullable().meta({ description: "The catch-up limit: re-enabling skips events older than this; null: only the 7-day rule" }),
  catch_up_skip: catchUpSkipSchema.nullable().meta({ description: "What the last re-enable skipped because of the catch-up limit" }),
  health: connectionHealthSchema,
  created_by: userRefSchema.nullable(),
  created_at: z.iso.datetime(),
  updated_at: z.iso.datetime(),
});
export type ConnectionDto = z.infer<typeof connectionSchema>;

/** A created or edited connection: when it gets a new HMAC secret, the secret is in this one answer. */
export const connectionWithSecretSchema = connectionSchema.extend({
  hmac_secret: z.string().optional().meta({ description: "Only when the save generated an HMAC secret; shown once" }),
});

export const hmacSecretCreatedSchema = z.object({
  id: z.uuid(),
  secret: z.string().meta({ description: "Shown once" }),
  created_at: z.iso.datetime(),
});

export function toConnectionDto(row: ConnectionRow, users: ReadonlyMap<string, UserRef>, health: ConnectionHealthDto): ConnectionDto {
  return {
    id: row.id,
    name: row.name,
    url: row.url,
    enabled: row.enabled,
    disabled_at: row.disabledAt?.toISOString() ?? null,
    disabled_reason: row.disabledReason,
    disabled_by: row.disabledById ? (users.get(row.disabledById) ?? null) : null,
    disabled_details: row.disabledDetails ?? null,
    auth: {
      type: row.authType,
      keys: row.apiKeys.map((k) => ({ key: k.key, add_to: k.addTo, value_hint: k.valueHint })),
      hmac_secrets: row.hmacSecrets.map((s) => ({ id: s.id, created_at: s.createdAt.toISOString(), hint: s.hint })),
    },
    format: row.format,
    batch: { max_events: row.batchMaxEvents, max_bytes: row.batchMaxBytes, max_wait_ms: row.batchMaxWaitMs },
    compression: row.compression,
    event_filter: (row.eventFilter as EventFilter | null) ?? null,
    max_event_age_seconds: row.maxEventAgeSeconds,
    catch_up_skip: (row.catchUpSkip as CatchUpSkip | null) ?? null,
    health,
    created_by: row.createdById ? (users.get(row.createdById) ?? null) : null,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}
