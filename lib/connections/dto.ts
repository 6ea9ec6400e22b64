import { z } from "zod";
import type { Prisma } from "../db/generated/client";
import { type ConnectionHealthDto, connectionHealthSchema } from "../health/connection-health";

export const connectionInclude = {
  apiKeys: { orderBy: { position: "asc" } },
  hmacSecrets: { orderBy: { createdAt: "asc" } },
} satisfies Prisma.ConnectionInclude;

export type ConnectionRow = Prisma.ConnectionGetPayload<{ include: typeof connectionInclude }>;
const userRefSchema = z.object({ id: z.uuid(), email: z.string(), name: z.string() });
type UserRef = z.infer<typeof userRefSchema>;

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
    health,
    created_by: row.createdById ? (users.get(row.createdById) ?? null) : null,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}
