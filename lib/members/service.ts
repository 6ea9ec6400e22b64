import type { Principal } from "../auth/principal";
import { generateOneTimeToken, hashOneTimeToken } from "../crypto/one-time-token";
import type { Db, Tx } from "../db/client";
import { recordAudit } from "../events/audit";
import { EVENT_TYPES } from "../events/event-types";
import { AppError } from "../errors";
import { invitationEmailJob } from "../jobs/definitions/invitation-email";
import { type JobSender, prismaJobDb } from "../jobs/boss";
import { sendJob } from "../jobs/job";
import { isUuid, parseOrThrow } from "../validation";
import { INVITATION_TTL_MS } from "./invitation-delivery";
import { LAST_ADMIN_MESSAGE, leavesNoAdmin, type MemberChange } from "./last-admin";
import { inviteMemberSchema, type MemberDto, memberPatchSchema } from "./schemas";

export type MembersDeps = { db: Db; boss: JobSender; now?: () => Date };

const SELECT = {
  id: true,
  email: true,
  name: true,
  role: true,
  status: true,
  createdAt: true,
  invitation: { select: { expiresAt: true } },
} as const;
type Row = {
  id: string;
  email: string;
  name: string;
  role: "ADMIN" | "MEMBER";
  status: "INVITED" | "ACTIVE";
  createdAt: Date;
  invitation: { expiresAt: Date } | null;
};

const toDto = (r: Row): MemberDto => ({
  id: r.id,
  email: r.email,
  name: r.name,
  role: r.role,
  status: r.status,
  created_at: r.createdAt.toISOString(),
  invitation_expires_at: r.status === "INVITED" ? (r.invitation?.expiresAt.toISOString() ?? null) : null,
});

const memberNotFound = () => new AppError("NOT_FOUND", "No person with that id in this organization.");

/** The organization's people: admins first, then by name. */
export async function listMembers(dbc: Db, organizationId: string): Promise<MemberDto[]> {
  const rows = await dbc.user.findMany({ where: { organizationId }, select: SELECT, orderBy: [{ role: "asc" }, { name: "asc" }, { email: "asc" }] });
  return rows.map(toDto);
}

async function findMember(dbc: Db | Tx, organizationId: string, userId: string): Promise<Row> {
  if (!isUuid(userId)) throw memberNotFound();
  const row = await dbc.user.findFirst({ where: { id: userId, organizationId }, select: SELECT });
  if (!row) throw memberNotFound();
  return row;
}

export async function getMember(dbc: Db, organizationId: string, userId: string): Promise<MemberDto> {
  return toDto(await findMember(dbc, organizationId, userId));
}

/** Serialises changes to an organization's people, so two removals cannot both pass the last-admin check. */
async function lockPeople(tx: Tx, organizationId: string) {
  await tx.$queryRaw`SELECT id FROM organizations WHERE id = ${organizationId}::uuid FOR UPDATE`;
}

async function checkLastAdmin(tx: Tx, organizationId: string, target: Row, change: MemberChange) {
  const admins = await tx.user.count({ where: { organizationId, role: "ADMIN" } });
  if (leavesNoAdmin(admins, target, change)) throw new AppError("LAST_ADMIN", LAST_ADMIN_MESSAGE);
}

/** An email belongs to one person of one organization. */
export async function assertEmailFree(dbc: Db | Tx, organizationId: string, email: string) {
  const existing = await dbc.user.findUnique({ where: { email }, select: { organizationId: true } });
  if (!existing) return;
  throw existing.organizationId === organizationId
    ? new AppError("CONFLICT", `${email} is already a member of this organization.`, { email })
    : new AppError("CONFLICT", `${email} already has a Tributary account in another organization; an email address belongs to one organization.`, { email });
}

const nameFromEmail = (email: string) => email.split("@")[0] || email;

/** Queues the invitation email in the caller's transaction (the worker draws the link's token when it sends). */
async function queueInvitationEmail(deps: MembersDeps, tx: Tx, invitationId: string) {
  const jobId = await sendJob(deps.boss, invitationEmailJob, { invitationId }, { db: prismaJobDb(tx) });
  if (!jobId) throw new AppError("WORKER_UNAVAILABLE", "The background worker has not set up its queues yet, so the invitation cannot be emailed. Start the worker (npm start runs it) and try again.");
}

/**
 * Invites a person: they are INVITED (listed, counted as an admin if invited as one, but unable to
 * sign in) until they accept the emailed link, which is valid for 72 hours.
 */
export async function inviteMember(deps: MembersDeps, principal: Principal, raw: unknown): Promise<MemberDto> {
  const input = parseOrThrow(inviteMemberSchema, raw);
  const now = deps.now?.() ?? new Date();
  try {
    return await deps.db.$transaction(async (tx) => {
      await lockPeople(tx, principal.organizationId);
      await assertEmailFree(tx, principal.organizationId, input.email);
      const user = await tx.user.create({
        data: { organizationId: principal.organizationId, email: input.email, name: input.name ?? nameFromEmail(input.email), role: input.role, status: "INVITED" },
      });
      // Nobody knows this token: the email's token is drawn when it is sent.
      const invitation = await tx.invitation.create({
        data: {
          organizationId: principal.organizationId,
          userId: user.id,
          tokenHash: hashOneTimeToken(generateOneTimeToken()),
          invitedByName: principal.user?.name ?? null,
          expiresAt: new Date(now.getTime() + INVITATION_TTL_MS),
        },
      });
      await recordAudit(tx, principal, EVENT_TYPES.memberInvited, { user_id: user.id, email: user.email, role: user.role });
      await queueInvitationEmail(deps, tx, invitation.id);
      return toDto(await findMember(tx, principal.organizationId, user.id));
    });
  } catch (err) {
    if ((err as { code?: string }).code === "P2002") throw new AppError("CONFLICT", `${input.email} already has a Tributary account.`, { email: input.email });
    throw err;
  }
}

/** Sends an INVITED person a new link (the earlier one stops working) valid for another 72 hours. */
export async function resendInvitation(deps: MembersDeps, principal: Principal, userId: string): Promise<MemberDto> {
  const now = deps.now?.() ?? new Date();
  return deps.db.$transaction(async (tx) => {
    await lockPeople(tx, principal.organizationId);
    const member = await findMember(tx, principal.organizationId, userId);
    if (member.status !== "INVITED") throw new AppError("CONFLICT", `${member.email} already accepted their invitation.`);
    const data = { tokenHash: hashOneTimeToken(generateOneTimeToken()), expiresAt: new Date(now.getTime() + INVITATION_TTL_MS), invitedByName: principal.user?.name ?? null };
    const invitation = await tx.invitation.upsert({
      where: { userId: member.id },
      create: { organizationId: principal.organizationId, userId: member.id, ...data },
      update: data,
    });
    await recordAudit(tx, principal, EVENT_TYPES.memberInvitationResent, { user_id: member.id, email: member.email, role: member.role });
    await queueInvitationEmail(deps, tx, invitation.id);
    return toDto(await findMember(tx, principal.organizationId, member.id));
  });
}

/** Changes a person's role or name; the last admin cannot be demoted. */
export async function updateMember(deps: Pick<MembersDeps, "db">, principal: Principal, userId: string, raw: unknown): Promise<MemberDto> {
  const input = parseOrThrow(memberPatchSchema, raw);
  return deps.db.$transaction(async (tx) => {
    await lockPeople(tx, principal.organizationId);
    const member = await findMember(tx, principal.organizationId, userId);
    if (input.role !== undefined) await checkLastAdmin(tx, principal.organizationId, member, { kind: "role", role: input.role });
    const changed = [...(input.role !== undefined && input.role !== member.role ? ["role"] : []), ...(input.name !== undefined && input.name !== member.name ? ["name"] : [])];
    if (changed.length === 0) return toDto(member);
    await tx.user.update({ where: { id: member.id }, data: { role: input.role ?? member.role, name: input.name ?? member.name } });
    await recordAudit(tx, principal, EVENT_TYPES.memberUpdated, {
      user_id: member.id,
      email: member.email,
      role: input.role ?? member.role,
      previous_role: member.role,
      changed,
    });
    return toDto(await findMember(tx, principal.organizationId, member.id));
  });
}

/**
 * Removes a person (or revokes an invitation: the invited person goes with it). Their API tokens
 * are revoked with them and their session ends on its next request. The last admin cannot go.
 */
export async function removeMember(deps: Pick<MembersDeps, "db">, principal: Principal, userId: string): Promise<void> {
  await deps.db.$transaction(async (tx) => {
    await lockPeople(tx, principal.organizationId);
    const member = await findMember(tx, principal.organizationId, userId);
    await checkLastAdmin(tx, principal.organizationId, member, { kind: "remove" });
    await tx.user.delete({ where: { id: member.id } });
    await recordAudit(tx, principal, EVENT_TYPES.memberRemoved, {
      user_id: member.id,
      email: member.email,
      role: member.role,
      was: member.status === "INVITED" ? "INVITED" : "ACTIVE",
    });
  });
}
