import type { Db } from "../db/client";
import { recordAudit } from "../events/audit";
import { EVENT_TYPES } from "../events/event-types";
import { parseOrThrow } from "../validation";
import { createApiToken, listApiTokens, revokeApiToken } from "./api-tokens";
import type { Principal } from "./principal";
import { type ApiTokenCreatedDto, type ApiTokenDto, newApiTokenSchema } from "./token-schemas";

// An organization's API tokens as Settings › API tokens and /api/v1/tokens manage them: every
// creation and revocation is an audit event.

export async function tokensOf(dbc: Db, organizationId: string): Promise<ApiTokenDto[]> {
  const rows = await listApiTokens(dbc, organizationId);
  return rows.map((t) => ({
    id: t.id,
    name: t.name,
    scope: t.scope,
    hint: t.hint,
    created_at: t.createdAt.toISOString(),
    last_used_at: t.lastUsedAt?.toISOString() ?? null,
    created_by: t.user,
  }));
}

/** A new token of the principal's organization, owned by the acting person (none when the operator acts). */
export async function issueToken(dbc: Db, principal: Principal, raw: unknown): Promise<ApiTokenCreatedDto> {
  const input = parseOrThrow(newApiTokenSchema, raw);
  return dbc.$transaction(async (tx) => {
    const created = await createApiToken(tx, { organizationId: principal.organizationId, userId: principal.user?.id ?? null, name: input.name, scope: input.scope });
    await recordAudit(tx, principal, EVENT_TYPES.apiTokenCreated, { token_id: created.id, token_name: created.name, scope: created.scope, hint: created.hint });
    return { id: created.id, name: created.name, scope: created.scope, hint: created.hint, created_at: created.createdAt.toISOString(), token: created.token };
  });
}

export async function revokeToken(dbc: Db, principal: Principal, id: string): Promise<void> {
  await dbc.$transaction(async (tx) => {
    const revoked = await revokeApiToken(tx, principal.organizationId, id);
    await recordAudit(tx, principal, EVENT_TYPES.apiTokenRevoked, { token_id: revoked.id, token_name: revoked.name, scope: revoked.scope });
  });
}
