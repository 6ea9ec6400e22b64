import PgBoss from "pg-boss";
import pino from "pino";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Person, Principal } from "../../lib/auth/principal";
import { attemptSignIn } from "../../lib/auth/sign-in";
import { invitationEmailJob } from "../../lib/jobs/definitions/invitation-email";
import { ensureJobQueue } from "../../lib/jobs/job";
import { acceptInvitation, peekInvitation } from "../../lib/members/invitations";
import { inviteMember, listMembers, removeMember, resendInvitation, updateMember } from "../../lib/members/service";
import { createMailer } from "../../lib/notifications/mailer";
import { adminEmails } from "../../lib/notifications/recipients";
import { createOrganization, operatorIn } from "../../lib/organizations/service";
import { consumePortalLink, mintPortalLink, peekPortalLink, PORTAL_LINK_TTL_MS } from "../../lib/portal/portal-links";
import { testConfig } from "../helpers/config";
import { createTestDatabase, type TestDatabase } from "../helpers/db";
import { startSmtpSink } from "../helpers/smtp-sink";

// People of an organization against a real PostgreSQL: invitations through pg-boss and a real SMTP
// server on loopback, portal sign-in links, the last-admin rule, and who gets the emails.

const APP_URL = "https://tributary.example.com";
const META = { ipAddress: "203.0.113.9", userAgent: "vitest" };
const PASSWORD = "a long enough password";

let t: TestDatabase;
let boss: PgBoss;
let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
const config = testConfig({ APP_URL });
const logger = pino({ level: "silent" });

beforeAll(async () => {
  t = await createTestDatabase();
  smtp = await startSmtpSink();
  boss = new PgBoss({ connectionString: t.url });
  boss.on("error", () => undefined);
  await boss.start();
  await ensureJobQueue(boss, invitationEmailJob);
});
afterAll(async () => {
  await boss.stop({ graceful: false, wait: true });
  await smtp.close();
  await t.drop();
});
beforeEach(() => {
  smtp.received.length = 0;
});

const deps = () => ({ db: t.db, boss });
let orgSeq = 0;

/** A new organization (made by the operator) with one active admin. */
async function organization(): Promise<{ id: string; admin: Principal & { user: Person }; operator: Principal }> {
  orgSeq++;
  const org = await createOrganization(t.db, META, { name: `Org ${orgSeq}`, external_id: `tenant-${orgSeq}-${crypto.randomUUID()}` });
  const user = await t.db.user.create({ data: { organizationId: org.id, email: `admin${orgSeq}@org${orgSeq}.test`, name: `Admin ${orgSeq}`, role: "ADMIN" } });
  return {
    id: org.id,
    admin: { organizationId: org.id, user: { id: user.id, email: user.email, name: user.name }, ...META },
    operator: operatorIn(org.id, META),
  };
}

/** Works the queued invitation emails the way the worker does, through the real SMTP sink. */
async function sendQueuedInvitations() {
  const mailer = createMailer({ smtpUrl: smtp.url, smtpRequireTls: false, emailFrom: "t@example.com", dataDir: "/nonexistent" }, logger);
  for (;;) {
    const jobs = await boss.fetch<{ invitationId: string }>(invitationEmailJob.name, { batchSize: 10 });
    if (!jobs || jobs.length === 0) break;
    for (const job of jobs) {
      await invitationEmailJob.handler(job.data, { pool: t.pool, mailer, config });
      await boss.complete(invitationEmailJob.name, job.id);
    }
  }
}

const linkIn = (raw: string) => new RegExp(`${APP_URL}/invite/([A-Za-z0-9_-]+)`).exec(raw)?.[1];
const auditTypes = async (organizationId: string) =>
  (await t.db.event.findMany({ where: { organizationId }, orderBy: { seq: "asc" } })).map((e) => e.eventType);

describe("invitations", () => {
  it("invites by email: INVITED until the emailed link (valid 72 h) is accepted with a name and password, then signs in", async () => {
    const org = await organization();
    const invited = await inviteMember(deps(), org.admin, { email: "Nia@Example.test", role: "ADMIN" });
    expect(invited).toMatchObject({ email: "nia@example.test", name: "nia", role: "ADMIN", status: "INVITED" });
    const expires = Date.parse(invited.invitation_expires_at!);
    expect(expires - Date.now()).toBeGreaterThan(71.9 * 3600_000);
    // Invited people cannot sign in and get no failure emails yet.
    expect(await adminEmails(t.pool, org.id)).toEqual([org.admin.user.email]);

    await sendQueuedInvitations();
    expect(smtp.received).toHaveLength(1);
    const mail = smtp.received[0]!;
    expect(mail.to).toEqual(["nia@example.test"]);
    expect(mail.raw).toContain(`Admin ${orgSeq} invited you to join Org ${orgSeq} on Tributary as an admin.`);
    const token = linkIn(mail.raw)!;
    expect(token).toBeTruthy();
    // Only its hash is stored.
    expect(JSON.stringify(await t.db.invitation.findMany())).not.toContain(token);
    expect(await peekInvitation(t.db, token)).toMatchObject({ state: "valid", email: "nia@example.test", organizationName: `Org ${orgSeq}` });

    const bad = await acceptInvitation(t.db, META, { token, name: "", password: "short", confirmPassword: "nope" }).catch((e) => e);
    expect(bad.code).toBe("VALIDATION_FAILED");
    expect(bad.details.map((d: { path: string }) => d.path).sort()).toEqual(["confirmPassword", "name", "password"]);

    expect(await acceptInvitation(t.db, META, { token, name: "Nia Admin", password: PASSWORD, confirmPassword: PASSWORD })).toEqual({ email: "nia@example.test" });
    const [member] = (await listMembers(t.db, org.id)).filter((m) => m.email === "nia@example.test");
    expect(member).toMatchObject({ name: "Nia Admin", status: "ACTIVE", invitation_expires_at: null });
    expect(await attemptSignIn({ db: t.db, config }, { email: "nia@example.test", password: PASSWORD }, "127.0.0.1")).toMatchObject({ email: "nia@example.test" });
    expect(await adminEmails(t.pool, org.id)).toEqual([org.admin.user.email, "nia@example.test"].sort());

    // The link works once.
    const again = await acceptInvitation(t.db, META, { token, name: "Eve", password: PASSWORD, confirmPassword: PASSWORD }).catch((e) => e);
    expect(again.code).toBe("NOT_FOUND");
    expect(await peekInvitation(t.db, token)).toEqual({ state: "unknown" });
    expect(await auditTypes(org.id)).toEqual(
      expect.arrayContaining(["EVENT_STREAM_ORGANIZATION_CREATED", "EVENT_STREAM_MEMBERS_INVITED", "EVENT_STREAM_MEMBERS_JOINED"]),
    );
    const joined = await t.db.event.findFirstOrThrow({ where: { organizationId: org.id, eventType: "EVENT_STREAM_MEMBERS_JOINED" } });
    expect(joined).toMatchObject({ actorEmail: "nia@example.test", actorIpAddress: META.ipAddress });
  });

  it("refuses an expired link, and a resend replaces the token (the earlier link stops working)", async () => {
    const org = await organization();
    const invited = await inviteMember(deps(), org.operator, { email: "late@example.test", name: "Late", role: "MEMBER" });
    await sendQueuedInvitations();
    const first = linkIn(smtp.received[0]!.raw)!;
    expect(smtp.received[0]!.raw).toContain("You are invited to join");

    await resendInvitation(deps(), org.admin, invited.id);
    await sendQueuedInvitations();
    const second = linkIn(smtp.received[1]!.raw)!;
    expect(second).not.toBe(first);
    expect(await peekInvitation(t.db, first)).toEqual({ state: "unknown" });
    expect(await peekInvitation(t.db, second)).toMatchObject({ state: "valid" });

    const later = new Date(Date.now() + 73 * 3600_000);
    expect(await peekInvitation(t.db, second, later)).toEqual({ state: "expired", organizationName: `Org ${orgSeq}` });
    const expired = await acceptInvitation(t.db, META, { token: second, name: "Late", password: PASSWORD, confirmPassword: PASSWORD }, later).catch((e) => e);
    expect(expired).toMatchObject({ code: "NOT_FOUND", message: expect.stringContaining("expired") });
    expect((await listMembers(t.db, org.id)).find((m) => m.id === invited.id)?.status).toBe("INVITED");
  });

  it("revoking an invitation removes the invited person; their link stops working", async () => {
    const org = await organization();
    const invited = await inviteMember(deps(), org.admin, { email: "gone@example.test", role: "MEMBER" });
    await sendQueuedInvitations();
    const token = linkIn(smtp.received[0]!.raw)!;
    await removeMember(deps(), org.admin, invited.id);
    expect((await listMembers(t.db, org.id)).map((m) => m.email)).not.toContain("gone@example.test");
    expect(await peekInvitation(t.db, token)).toEqual({ state: "unknown" });
    // The job of an invitation revoked before it was sent sends nothing.
    await inviteMember(deps(), org.admin, { email: "never@example.test", role: "MEMBER" });
    const never = (await listMembers(t.db, org.id)).find((m) => m.email === "never@example.test")!;
    await removeMember(deps(), org.admin, never.id);
    smtp.received.length = 0;
    await sendQueuedInvitations();
    expect(smtp.received).toHaveLength(0);
  });

  it("an email belongs to one organization: inviting one taken here or elsewhere is a 409 and changes nothing", async () => {
    const a = await organization();
    const b = await organization();
    const here = await inviteMember(deps(), a.admin, { email: a.admin.user.email, role: "MEMBER" }).catch((e) => e);
    expect(here).toMatchObject({ code: "CONFLICT", message: expect.stringContaining("already a member of this organization") });
    const elsewhere = await inviteMember(deps(), b.operator, { email: a.admin.user.email.toUpperCase(), role: "ADMIN" }).catch((e) => e);
    expect(elsewhere).toMatchObject({ code: "CONFLICT", status: 409, message: expect.stringContaining("another organization") });
    expect(await listMembers(t.db, b.id)).toHaveLength(1);
  });
});

describe("the last admin", () => {
  it("cannot be removed or demoted, counting ACTIVE and INVITED admins; a second admin lifts the rule", async () => {
    const org = await organization();
    const self = org.admin.user.id;
    await expect(removeMember(deps(), org.operator, self)).rejects.toMatchObject({ code: "LAST_ADMIN", status: 409 });
    await expect(updateMember(deps(), org.operator, self, { role: "MEMBER" })).rejects.toMatchObject({ code: "LAST_ADMIN" });
    // A rename is fine.
    expect(await updateMember(deps(), org.operator, self, { name: "Renamed" })).toMatchObject({ name: "Renamed", role: "ADMIN" });

    const invited = await inviteMember(deps(), org.operator, { email: `second-${orgSeq}@example.test`, role: "ADMIN" });
    expect(await updateMember(deps(), org.operator, self, { role: "MEMBER" })).toMatchObject({ role: "MEMBER" });
    // Now the invited admin is the last one.
    await expect(removeMember(deps(), org.operator, invited.id)).rejects.toMatchObject({ code: "LAST_ADMIN" });
    expect(await auditTypes(org.id)).toContain("EVENT_STREAM_MEMBERS_UPDATED");
    const changed = await t.db.event.findFirstOrThrow({ where: { organizationId: org.id, eventType: "EVENT_STREAM_MEMBERS_UPDATED", data: { path: ["role"], equals: "MEMBER" } } });
    expect(changed).toMatchObject({ actorName: "Operator API", actorEmail: null, actorUserId: null, actorIpAddress: META.ipAddress });
  });

  it("holds when two admins remove each other at the same time: one of them stays", async () => {
    const org = await organization();
    const other = await t.db.user.create({ data: { organizationId: org.id, email: `other-${orgSeq}@example.test`, name: "Other", role: "ADMIN" } });
    const results = await Promise.allSettled([removeMember(deps(), org.operator, org.admin.user.id), removeMember(deps(), org.operator, other.id)]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(results.find((r) => r.status === "rejected")).toMatchObject({ reason: { code: "LAST_ADMIN" } });
    expect((await listMembers(t.db, org.id)).filter((m) => m.role === "ADMIN")).toHaveLength(1);
  });

  it("a person of another organization is not found", async () => {
    const a = await organization();
    const b = await organization();
    await expect(updateMember(deps(), b.operator, a.admin.user.id, { name: "x" })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(removeMember(deps(), b.admin, a.admin.user.id)).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(resendInvitation(deps(), b.admin, "not-a-uuid")).rejects.toMatchObject({ code: "NOT_FOUND" });
  });
});

describe("portal sign-in links", () => {
  it("signs a new person in once, creating them with the role given, and records it; a second use is refused", async () => {
    const org = await organization();
    const link = await mintPortalLink(t.db, APP_URL, org.operator, { email: "Pat@Example.test", name: "Pat Portal", role: "ADMIN" });
    expect(link.url).toMatch(new RegExp(`^${APP_URL}/portal/[A-Za-z0-9_-]{43}$`));
    expect(Date.parse(link.expires_at) - Date.now()).toBeLessThanOrEqual(PORTAL_LINK_TTL_MS);
    const token = link.url.split("/").at(-1)!;
    expect(JSON.stringify(await t.db.portalLink.findMany())).not.toContain(token);
    expect(await peekPortalLink(t.db, token)).toEqual({ state: "valid", email: "pat@example.test", organizationName: `Org ${orgSeq}` });

    const person = await consumePortalLink(t.db, META, token);
    expect(person).toMatchObject({ email: "pat@example.test", name: "Pat Portal" });
    expect(await t.db.user.findUniqueOrThrow({ where: { id: person.id } })).toMatchObject({ organizationId: org.id, role: "ADMIN", status: "ACTIVE", passwordHash: null });
    // No password: the sign-in form cannot get in with any.
    expect(await attemptSignIn({ db: t.db, config }, { email: "pat@example.test", password: "anything at all" }, "127.0.0.9")).toBeNull();

    await expect(consumePortalLink(t.db, META, token)).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect(await peekPortalLink(t.db, token)).toEqual({ state: "used" });
    const types = await auditTypes(org.id);
    expect(types).toEqual(expect.arrayContaining(["EVENT_STREAM_PORTAL_LINKS_CREATED", "EVENT_STREAM_MEMBERS_JOINED", "EVENT_STREAM_PORTAL_LINKS_USED"]));
  });

  it("is used by exactly one of two concurrent requests", async () => {
    const org = await organization();
    const token = (await mintPortalLink(t.db, APP_URL, org.operator, { email: org.admin.user.email })).url.split("/").at(-1)!;
    const results = await Promise.allSettled([consumePortalLink(t.db, META, token), consumePortalLink(t.db, META, token)]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
  });

  it("keeps an existing person's role, activates an invited one, expires after 10 minutes, and refuses an email of another organization", async () => {
    const org = await organization();
    const existing = await mintPortalLink(t.db, APP_URL, org.operator, { email: org.admin.user.email, role: "MEMBER" });
    await consumePortalLink(t.db, META, existing.url.split("/").at(-1)!);
    expect(await t.db.user.findUniqueOrThrow({ where: { id: org.admin.user.id } })).toMatchObject({ role: "ADMIN" });

    const invited = await inviteMember(deps(), org.operator, { email: `inv-${orgSeq}@example.test`, role: "MEMBER" });
    const forInvited = await mintPortalLink(t.db, APP_URL, org.operator, { email: invited.email });
    await consumePortalLink(t.db, META, forInvited.url.split("/").at(-1)!);
    expect((await listMembers(t.db, org.id)).find((m) => m.id === invited.id)).toMatchObject({ status: "ACTIVE", role: "MEMBER" });
    expect(await t.db.invitation.count({ where: { userId: invited.id } })).toBe(0);

    const late = (await mintPortalLink(t.db, APP_URL, org.operator, { email: `slow-${orgSeq}@example.test` })).url.split("/").at(-1)!;
    const after = new Date(Date.now() + PORTAL_LINK_TTL_MS + 1_000);
    expect(await peekPortalLink(t.db, late, after)).toEqual({ state: "expired" });
    await expect(consumePortalLink(t.db, META, late, after)).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect(await t.db.user.count({ where: { email: `slow-${orgSeq}@example.test` } })).toBe(0);

    const other = await organization();
    await expect(mintPortalLink(t.db, APP_URL, other.operator, { email: org.admin.user.email })).rejects.toMatchObject({ code: "CONFLICT", status: 409 });
    expect(await peekPortalLink(t.db, "not a token")).toEqual({ state: "unknown" });
    await expect(mintPortalLink(t.db, APP_URL, other.operator, { email: "x@example.test", role: "OWNER" })).rejects.toMatchObject({ code: "VALIDATION_FAILED" });
  });
});

describe("who gets the failure emails", () => {
  it("every ACTIVE admin of the organization, each once; not members, not invited admins, not other organizations", async () => {
    const org = await organization();
    const other = await organization();
    await t.db.user.create({ data: { organizationId: org.id, email: `b-admin-${orgSeq}@example.test`, name: "B", role: "ADMIN" } });
    await t.db.user.create({ data: { organizationId: org.id, email: `member-${orgSeq}@example.test`, name: "M", role: "MEMBER" } });
    await inviteMember(deps(), org.admin, { email: `invited-admin-${orgSeq}@example.test`, role: "ADMIN" });
    expect(await adminEmails(t.pool, org.id)).toEqual([org.admin.user.email, `b-admin-${orgSeq}@example.test`].sort());
    expect(await adminEmails(t.pool, other.id)).toEqual([other.admin.user.email]);
  });
});
