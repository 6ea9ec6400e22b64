import crypto from "node:crypto";
import { z } from "zod";
import type { Db, Tx } from "../db/client";
import { AppError } from "../errors";

export function hashApiToken(token: string): string {
  return crypto.createHash("sha256").update(token).digest("hex");
}

export function generateApiToken(): string {
  return `trb_${crypto.randomBytes(32).toString("base64url")}`;
}

export function tokenHint(token: string): string {
  return `…${token.slice(-4)}`;
}

/** Stores a token's hash; the caller shows the token once. */
export async function registerApiToken(
  tx: Db | Tx,
  input: { organizationId: string; userId: string; name: string; token: string },
) {
  return tx.apiToken.create({
    data: {
      organizationId: input.organizationId,
      userId: input.userId,
      name: input.name,
      tokenHash: hashApiToken(input.token),
      hint: tokenHint(input.token),
    },
    select: { id: true, name: true, hint: true, createdAt: true },
  });
}

export async function createApiToken(dbc: Db, input: { organizationId: string; userId: string; name: string }) {
  const token = generateApiToken();
  const row = await registerApiToken(dbc, { ...input, token });
  return { ...row, token };
}

export async function listApiTokens(dbc: Db, organizationId: string) {
  return dbc.apiToken.findMany({
    where: { organizationId, revokedAt: null },
    orderBy: { createdAt: "desc" },
    select: { id: true, name: true, hint: true, createdAt: true, lastUsedAt: true, user: { select: { email: true } } },
  });
}

export async function revokeApiToken(dbc: Db, organizationId: string, id: string) {
  const { count } = await dbc.apiToken.updateMany({
    where: { id, organizationId, revokedAt: null },
    data: { revokedAt: new Date() },
  });
  if (count === 0) throw new AppError("NOT_FOUND", "That API token does not exist or was already revoked.");
}

/** `GET /api/v1/me`: the user and organization a token acts for. */
export const meSchema = z.object({
  user: z.object({ id: z.uuid(), email: z.string(), name: z.string(), role: z.enum(["ADMIN", "MEMBER"]) }),
  organization_id: z.uuid(),
});

export type ApiPrincipal = {
  tokenId: string;
  organizationId: string;
  user: z.infer<typeof meSchema>["user"];
};

export const toMe = (p: ApiPrincipal): z.infer<typeof meSchema> => ({
  user: { id: p.user.id, email: p.user.email, name: p.user.name, role: p.user.role },
  organization_id: p.organizationId,
});

/** Resolves `Authorization: Bearer <token>` to an admin, or throws 401/403. */
export async function authenticateBearer(dbc: Db, authorization: string | null): Promise<ApiPrincipal> {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "");
  if (!match?.[1]) {
    throw new AppError("UNAUTHENTICATED", "Send an admin API token as `Authorization: Bearer <token>`.");
  }
  const row = await dbc.apiToken.findUnique({
    where: { tokenHash: hashApiToken(match[1]) },
    select: {
      id: true,
      organizationId: true,
      revokedAt: true,
      lastUsedAt: true,
      user: { select: { id: true, email: true, name: true, role: true } },
    },
  });
  if (!row || row.revokedAt) throw new AppError("UNAUTHENTICATED", "The API token is unknown or revoked.");
  if (row.user.role !== "ADMIN") throw new AppError("FORBIDDEN", "This API token belongs to a user who is not an admin.");
  const now = new Date();
  // Recording use at most once a minute keeps a busy publisher from writing on every request.
  if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() > 60_000) {
    await dbc.apiToken.update({ where: { id: row.id }, data: { lastUsedAt: now } });
  }
  return { tokenId: row.id, organizationId: row.organizationId, user: row.user };
}
