import type { Prisma } from "../db/generated/client";

export const connectionInclude = {
  apiKeys: { orderBy: { position: "asc" } },
  hmacSecrets: { orderBy: { createdAt: "asc" } },
} satisfies Prisma.ConnectionInclude;

export type ConnectionRow = Prisma.ConnectionGetPayload<{ include: typeof connectionInclude }>;
type UserRef = { id: string; email: string; name: string };

/** The API's `Connection`: never a secret value, only hints. */
export type ConnectionDto = {
  id: string;
  name: string;
  url: string;
  enabled: boolean;
  disabled_at: string | null;
  disabled_reason: "MANUAL" | "AUTO" | null;
  disabled_by: UserRef | null;
  disabled_details: unknown;
  auth: {
    type: "NONE" | "API_KEY" | "HMAC";
    keys: { key: string; add_to: "HEADER" | "QUERY"; value_hint: string }[];
    hmac_secrets: { id: string; created_at: string; hint: string }[];
  };
  created_by: UserRef | null;
  created_at: string;
  updated_at: string;
};

export function toConnectionDto(row: ConnectionRow, users: ReadonlyMap<string, UserRef>): ConnectionDto {
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
    created_by: row.createdById ? (users.get(row.createdById) ?? null) : null,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}
