import { hashPassword } from "../auth/password";
import type { RequestMeta } from "../api/request-meta";
import { hashOneTimeToken } from "../crypto/one-time-token";
import type { Db } from "../db/client";
import { recordAudit } from "../events/audit";
import { EVENT_TYPES } from "../events/event-types";
import { AppError } from "../errors";
import { parseOrThrow } from "../validation";
import { acceptInvitationSchema } from "./schemas";

export type InvitationView =
  | { state: "valid"; email: string; name: string; role: "ADMIN" | "MEMBER"; organizationName: string; expiresAt: string }
  | { state: "expired"; organizationName: string }
  | { state: "unknown" };

const TOKEN_SHAPE = /^[A-Za-z0-9_-]{20,200}$/;

async function findByToken(dbc: Db, token: string) {
  if (!TOKEN_SHAPE.test(token)) return null;
  return dbc.invitation.findUnique({
    where: { tokenHash: hashOneTimeToken(token) },
    select: {
      id: true,
      tokenHash: true,
      expiresAt: true,
      organizationId: true,
      organization: { select: { name: true } },
      user: { select: { id: true, email: true, name: true, role: true, status: true } },
    },
  });
}

/** What the invitation page shows for a link, without using it up. */
export async function peekInvitation(dbc: Db, token: string, now = new Date()): Promise<InvitationView> {
  const found = await findByToken(dbc, token);
  if (!found || found.user.status !== "INVITED") return { state: "unknown" };
  if (found.expiresAt <= now) return { state: "expired", organizationName: found.organization.name };
  return {
    state: "valid",
    email: found.user.email,
    name: found.user.name,
    role: found.user.role,
    organizationName: found.organization.name,
    expiresAt: found.expiresAt.toISOString(),
  };
}

export const INVITATION_GONE = "This invitation link does not work any more: it was used, revoked or replaced by a newer email. Ask an admin of your organization to send a new one.";

/**
 * Accepts an invitation: sets the person's name and password and makes them ACTIVE. The link works
 * once (the invitation row is deleted in the same transaction, by its token's hash). Returns the
 * email to sign in with.
 */
export async function acceptInvitation(dbc: Db, meta: RequestMeta, raw: unknown, now = new Date()): Promise<{ email: string }> {
  const input = parseOrThrow(acceptInvitationSchema, raw, "Check the highlighted fields.");
  const found = await findByToken(dbc, input.token);
  if (!found || found.user.status !== "INVITED") throw new AppError("NOT_FOUND", INVITATION_GONE);
  if (found.expiresAt <= now) {
    throw new AppError("NOT_FOUND", `This invitation expired on ${found.expiresAt.toUTCString()}. Ask an admin of ${found.organization.name} to resend it.`);
  }
  const passwordHash = await hashPassword(input.password);
  return dbc.$transaction(async (tx) => {
    const { count } = await tx.invitation.deleteMany({ where: { id: found.id, tokenHash: found.tokenHash } });
    if (count !== 1) throw new AppError("NOT_FOUND", INVITATION_GONE);
    const user = await tx.user.update({ where: { id: found.user.id }, data: { name: input.name, passwordHash, status: "ACTIVE" } });
    await recordAudit(
      tx,
      { organizationId: found.organizationId, user: { id: user.id, email: user.email, name: user.name }, ...meta },
      EVENT_TYPES.memberJoined,
      { user_id: user.id, email: user.email, role: user.role, via: "invitation" },
    );
    return { email: user.email };
  });
}
