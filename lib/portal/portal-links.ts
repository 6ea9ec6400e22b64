import type { RequestMeta } from "../api/request-meta";
import type { Person, Principal } from "../auth/principal";
import { generateOneTimeToken, hashOneTimeToken } from "../crypto/one-time-token";
import type { Db } from "../db/client";
import { recordAudit } from "../events/audit";
import { EVENT_TYPES } from "../events/event-types";
import { AppError } from "../errors";
import { assertEmailFree } from "../members/service";
import { parseOrThrow } from "../validation";
import { type PortalLinkDto, portalLinkRequestSchema } from "./schemas";

/** A portal sign-in link works once, for this long. */
export const PORTAL_LINK_TTL_MS = 10 * 60_000;
/** Where a portal sign-in lands. */
export const PORTAL_LANDING_PATH = "/settings/event-streaming";

export const portalLinkUrl = (appUrl: string, token: string) => `${appUrl}/portal/${token}`;

/**
 * Mints a single-use sign-in link for a person of the organization (the operator's call). Someone
 * whose email belongs to another organization cannot get one (409). Links of this organization that
 * expired a day ago are deleted here, so the table stays small without a timer.
 */
export async function mintPortalLink(dbc: Db, appUrl: string, principal: Principal, raw: unknown, now = new Date()): Promise<PortalLinkDto> {
  const input = parseOrThrow(portalLinkRequestSchema, raw);
  const token = generateOneTimeToken();
  const expiresAt = new Date(now.getTime() + PORTAL_LINK_TTL_MS);
  await dbc.$transaction(async (tx) => {
    const existing = await tx.user.findUnique({ where: { email: input.email }, select: { organizationId: true } });
    if (existing && existing.organizationId !== principal.organizationId) await assertEmailFree(tx, principal.organizationId, input.email);
    await tx.portalLink.deleteMany({ where: { organizationId: principal.organizationId, expiresAt: { lt: new Date(now.getTime() - 24 * 3600_000) } } });
    await tx.portalLink.create({
      data: { organizationId: principal.organizationId, email: input.email, name: input.name ?? null, role: input.role, tokenHash: hashOneTimeToken(token), expiresAt },
    });
    await recordAudit(tx, principal, EVENT_TYPES.portalLinkCreated, {
      email: input.email,
      ...(existing ? {} : { role: input.role }),
      expires_at: expiresAt.toISOString(),
    });
  });
  return { url: portalLinkUrl(appUrl, token), expires_at: expiresAt.toISOString() };
}

export type PortalLinkView = { state: "valid"; email: string; organizationName: string } | { state: "used" | "expired" | "unknown" };

const TOKEN_SHAPE = /^[A-Za-z0-9_-]{20,200}$/;

/** What the portal page shows for a link, without using it up (mail scanners fetch links too). */
export async function peekPortalLink(dbc: Db, token: string, now = new Date()): Promise<PortalLinkView> {
  if (!TOKEN_SHAPE.test(token)) return { state: "unknown" };
  const link = await dbc.portalLink.findUnique({
    where: { tokenHash: hashOneTimeToken(token) },
    select: { email: true, usedAt: true, expiresAt: true, organization: { select: { name: true } } },
  });
  if (!link) return { state: "unknown" };
  if (link.usedAt) return { state: "used" };
  if (link.expiresAt <= now) return { state: "expired" };
  return { state: "valid", email: link.email, organizationName: link.organization.name };
}

export const PORTAL_LINK_REFUSED = "This sign-in link was already used or has expired. Open Tributary again from your product to get a new one.";

/**
 * Signs a person in with a portal link: marks it used (once, atomically: a second use finds it
 * used), then returns the person, creating them with the link's role when absent or activating them
 * when they were invited. Throws when the link is unknown, used or expired.
 */
export async function consumePortalLink(dbc: Db, meta: RequestMeta, token: string, now = new Date()): Promise<Person> {
  if (!TOKEN_SHAPE.test(token)) throw new AppError("NOT_FOUND", PORTAL_LINK_REFUSED);
  return dbc.$transaction(async (tx) => {
    const { count } = await tx.portalLink.updateMany({
      where: { tokenHash: hashOneTimeToken(token), usedAt: null, expiresAt: { gt: now } },
      data: { usedAt: now },
    });
    if (count !== 1) throw new AppError("NOT_FOUND", PORTAL_LINK_REFUSED);
    const link = await tx.portalLink.findUniqueOrThrow({ where: { tokenHash: hashOneTimeToken(token) } });
    const organizationId = link.organizationId;
    let user = await tx.user.findUnique({ where: { email: link.email } });
    if (user && user.organizationId !== organizationId) {
      throw new AppError("CONFLICT", `${link.email} belongs to another organization; this link cannot sign them in.`);
    }
    let joined = false;
    if (!user) {
      user = await tx.user.create({
        data: { organizationId, email: link.email, name: link.name ?? (link.email.split("@")[0] || link.email), role: link.role, status: "ACTIVE" },
      });
      joined = true;
    } else if (user.status === "INVITED") {
      user = await tx.user.update({ where: { id: user.id }, data: { status: "ACTIVE" } });
      await tx.invitation.deleteMany({ where: { userId: user.id } });
      joined = true;
    }
    const person: Person = { id: user.id, email: user.email, name: user.name };
    const principal: Principal = { organizationId, user: person, ...meta };
    const transactionId = crypto.randomUUID();
    if (joined) await recordAudit(tx, principal, EVENT_TYPES.memberJoined, { user_id: user.id, email: user.email, role: user.role, via: "portal_link" }, transactionId);
    await recordAudit(tx, principal, EVENT_TYPES.portalLinkUsed, { user_id: user.id, email: user.email }, transactionId);
    return person;
  });
}
