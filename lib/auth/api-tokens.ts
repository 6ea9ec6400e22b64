import crypto from "node:crypto";
import { z } from "zod";
import type { Db, Tx } from "../db/client";
import { AppError } from "../errors";
import { isUuid } from "../validation";
import { isOperatorToken } from "./operator";
import type { TokenScope } from "./token-schemas";


export function hashApiToken(token: string): string {
  return crypto.createHash("sha256").update(token).digest("hex");
}

export function generateApiToken(): string {
  return `trb_${crypto.randomBytes(32).toString("base64url")}`;
}

export function tokenHint(token: string): string {
  return `…${token.slice(-4)}`;
}

/** Stores a token's hash; the caller shows the token once. `userId` null: created by the operator. */
export async function registerApiToken(
  tx: Db | Tx,
  input: { organizationId: string; userId: string | null; name: string; token: string; scope?: TokenScope },
) {
  return tx.apiToken.create({
    data: {
      organizationId: input.organizationId,
      userId: input.userId,
      name: input.name,
      scope: input.scope ?? "ADMIN",
      tokenHash: hashApiToken(input.token),
      hint: tokenHint(input.token),
    },
    select: { id: true, name: true, scope: true, hint: true, createdAt: true },
  });
}

/** A new token (ADMIN unless `scope` says otherwise), without an audit event (bench, tests); the service audits. */
export async function createApiToken(dbc: Db | Tx, input: { organizationId: string; userId: string | null; name: string; scope?: TokenScope }) {
  const token = generateApiToken();
  const row = await registerApiToken(dbc, { ...input, token });
  return { ...row, token };
}

export async function listApiTokens(dbc: Db, organizationId: string) {
  return dbc.apiToken.findMany({
    where: { organizationId, revokedAt: null },
    orderBy: { createdAt: "desc" },
    select: {
      id: true,
      name: true,
      scope: true,
      hint: true,
      createdAt: true,
      lastUsedAt: true,
      user: { select: { id: true, email: true, name: true } },
    },
  });
}

/** Revokes an organization's token; returns its name and scope (for the audit event). */
export async function revokeApiToken(dbc: Db | Tx, organizationId: string, id: string) {
  const row = !isUuid(id) ? null : await dbc.apiToken.findFirst({ where: { id, organizationId, revokedAt: null }, select: { id: true, name: true, scope: true } });
  const { count } = row ? await dbc.apiToken.updateMany({ where: { id, organizationId, revokedAt: null }, data: { revokedAt: new Date() } }) : { count: 0 };
  if (!row || count === 0) throw new AppError("NOT_FOUND", "That API token does not exist or was already revoked.");
  return row;
}

const meUserSchema = z.object({ id: z.uuid(), email: z.string(), name: z.string(), role: z.enum(["ADMIN", "MEMBER"]) });
export type MeUser = z.infer<typeof meUserSchema>;

/** An organization's API token, as authenticated. */
export type TokenPrincipal = {
  kind: "token";
  tokenId: string;
  tokenName: string;
  scope: TokenScope;
  organization: { id: string; name: string };
  /** The admin who created it; null when the operator did. */
  user: MeUser | null;
};
export type OperatorPrincipal = { kind: "operator" };
export type ApiPrincipal = TokenPrincipal | OperatorPrincipal;

/**
 * Resolves `Authorization: Bearer <token>` to the operator (OPERATOR_API_TOKEN, compared in constant
 * time) or an organization's token; throws 401 for anything else, 403 for the token of a person who
 * is no longer an admin.
 */
export async function authenticateBearer(dbc: Db, authorization: string | null, operatorToken?: string): Promise<ApiPrincipal> {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "");
  if (!match?.[1]) {
    throw new AppError("UNAUTHENTICATED", "Send an API token as `Authorization: Bearer <token>`.");
  }
  if (isOperatorToken(operatorToken, match[1])) return { kind: "operator" };
  const row = await dbc.apiToken.findUnique({
    where: { tokenHash: hashApiToken(match[1]) },
    select: {
      id: true,
      name: true,
      scope: true,
      revokedAt: true,
      lastUsedAt: true,
      organization: { select: { id: true, name: true } },
      user: { select: { id: true, email: true, name: true, role: true } },
    },
  });
  if (!row || row.revokedAt) throw new AppError("UNAUTHENTICATED", "The API token is unknown or revoked.");
  if (row.user && row.user.role !== "ADMIN") throw new AppError("FORBIDDEN", "This API token belongs to a person who is no longer an admin.");
  const now = new Date();
  // Recording use at most once a minute keeps a busy publisher from writing on every request.
  if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() > 60_000) {
    await dbc.apiToken.update({ where: { id: row.id }, data: { lastUsedAt: now } });
  }
  return { kind: "token", tokenId: row.id, tokenName: row.name, scope: row.scope, organization: row.organization, user: row.user };
}

/** `GET /api/v1/me`: the organization a caller acts for, the person behind the token and the scope. */
export const meSchema = z.object({
  organization_id: z.uuid(),
  organization: z.object({ id: z.uuid(), name: z.string() }),
  user: meUserSchema.nullable().meta({ description: "The admin who created the token; null for the operator and for tokens the operator created" }),
  scope: z.enum(["ADMIN", "OPERATOR"]).meta({ description: "ADMIN: an ADMIN token; OPERATOR: the operator token with Tributary-Organization (PUBLISH tokens may only publish, so they get 403 here)" }),
});
export type Me = z.infer<typeof meSchema>;
