import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { bootstrapFromConfig, createFirstAdmin, hasAnyUser } from "../../lib/auth/accounts";
import { authenticateBearer, createApiToken, revokeApiToken } from "../../lib/auth/api-tokens";
import { verifyPassword } from "../../lib/auth/password";
import { AppError } from "../../lib/errors";
import { testConfig } from "../helpers/config";
import { createTestDatabase, type TestDatabase } from "../helpers/db";

let t: TestDatabase;
beforeEach(async () => {
  t = await createTestDatabase();
});
afterEach(async () => t.drop());

const firstRun = {
  organizationName: "Acme",
  name: "Ada Admin",
  email: "Ada@Example.com",
  password: "a long enough password",
  confirmPassword: "a long enough password",
};

async function counts() {
  return {
    orgs: await t.db.organization.count(),
    users: await t.db.user.count(),
    tokens: await t.db.apiToken.count(),
  };
}

describe("first-run set-up", () => {
  it("creates the organization and an admin with a scrypt password hash", async () => {
    await createFirstAdmin(t.db, firstRun);
    const user = await t.db.user.findUniqueOrThrow({ where: { email: "ada@example.com" }, include: { organization: true } });
    expect(user.role).toBe("ADMIN");
    expect(user.organization.name).toBe("Acme");
    expect(user.passwordHash).toMatch(/^scrypt\$/);
    expect(user.passwordHash).not.toContain(firstRun.password);
    expect(await verifyPassword(firstRun.password, user.passwordHash!)).toBe(true);
  });

  it.each([
    ["a short password", { password: "short", confirmPassword: "short" }, "password"],
    ["mismatched confirmation", { confirmPassword: "something else entirely" }, "confirmPassword"],
    ["an invalid email", { email: "not-an-email" }, "email"],
    ["an empty organization name", { organizationName: "  " }, "organizationName"],
  ])("rejects %s with a field error and stores nothing", async (_label, change, field) => {
    const err = await createFirstAdmin(t.db, { ...firstRun, ...change }).catch((e) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err.code).toBe("VALIDATION_FAILED");
    expect((err.details as { path: string }[]).map((d) => d.path)).toContain(field);
    expect(await counts()).toEqual({ orgs: 0, users: 0, tokens: 0 });
  });

  it("refuses once a user exists", async () => {
    await createFirstAdmin(t.db, firstRun);
    await expect(createFirstAdmin(t.db, { ...firstRun, email: "eve@example.com" })).rejects.toMatchObject({ code: "ALREADY_SET_UP" });
    expect(await counts()).toMatchObject({ orgs: 1, users: 1 });
  });

  it("creates exactly one admin when several set-ups race", async () => {
    const results = await Promise.allSettled(
      ["a", "b", "c", "d"].map((p) => createFirstAdmin(t.db, { ...firstRun, email: `${p}@example.com` })),
    );
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(await counts()).toMatchObject({ orgs: 1, users: 1 });
  });
});

describe("bootstrap from the environment", () => {
  const env = {
    BOOTSTRAP_ADMIN_EMAIL: "ops@example.com",
    BOOTSTRAP_ADMIN_PASSWORD: "bootstrap password 1",
    BOOTSTRAP_API_TOKEN: "trb_bootstrap_0123456789abcdefghij",
  };

  it("creates the admin and registers the token, which then authenticates", async () => {
    const result = await bootstrapFromConfig(t.db, testConfig(env));
    expect(result).toMatchObject({ createdAdmin: true, createdToken: true });
    const principal = await authenticateBearer(t.db, `Bearer ${env.BOOTSTRAP_API_TOKEN}`);
    expect(principal).toMatchObject({ kind: "token", scope: "ADMIN", user: { email: "ops@example.com", role: "ADMIN" } });
    const stored = await t.db.apiToken.findFirstOrThrow();
    expect(stored.tokenHash).not.toContain(env.BOOTSTRAP_API_TOKEN);
  });

  it("does nothing the second time", async () => {
    await bootstrapFromConfig(t.db, testConfig(env));
    const again = await bootstrapFromConfig(t.db, testConfig(env));
    expect(again).toMatchObject({ createdAdmin: false, createdToken: false });
    expect(await counts()).toEqual({ orgs: 1, users: 1, tokens: 1 });
  });

  it.each([
    ["a short password", { BOOTSTRAP_ADMIN_PASSWORD: "short" }, /BOOTSTRAP_ADMIN_PASSWORD/],
    ["a short token", { BOOTSTRAP_API_TOKEN: "tiny" }, /BOOTSTRAP_API_TOKEN/],
    ["a token with spaces", { BOOTSTRAP_API_TOKEN: "has spaces in it and is long enough" }, /BOOTSTRAP_API_TOKEN/],
  ])("rejects %s with a clear message and stores nothing", async (_label, change, message) => {
    await expect(bootstrapFromConfig(t.db, testConfig({ ...env, ...change }))).rejects.toThrow(message);
    expect(await counts()).toEqual({ orgs: 0, users: 0, tokens: 0 });
  });

  it("refuses a half-set admin in the configuration itself", () => {
    expect(() => testConfig({ BOOTSTRAP_ADMIN_EMAIL: "ops@example.com" })).toThrow(/BOOTSTRAP_ADMIN_PASSWORD/);
    expect(() => testConfig({ BOOTSTRAP_API_TOKEN: env.BOOTSTRAP_API_TOKEN })).toThrow(/BOOTSTRAP_API_TOKEN/);
  });

  it("is a no-op without bootstrap settings", async () => {
    expect(await bootstrapFromConfig(t.db, testConfig())).toMatchObject({ createdAdmin: false, createdToken: false });
    expect(await hasAnyUser(t.db)).toBe(false);
  });
});

describe("API token authentication", () => {
  async function setup() {
    const { organizationId, userId } = await createFirstAdmin(t.db, firstRun);
    return { organizationId, userId };
  }

  it("accepts a created token and records its use", async () => {
    const { organizationId, userId } = await setup();
    const created = await createApiToken(t.db, { organizationId, userId, name: "ci" });
    expect(created.token).toMatch(/^trb_/);
    const principal = await authenticateBearer(t.db, `Bearer ${created.token}`);
    expect(principal).toMatchObject({ kind: "token", organization: { id: organizationId } });
    expect((await t.db.apiToken.findUniqueOrThrow({ where: { id: created.id } })).lastUsedAt).not.toBeNull();
  });

  it.each([null, "", "Basic abc", "Bearer", "Bearer unknown-token"])("answers 401 for %j", async (header) => {
    await setup();
    const err = await authenticateBearer(t.db, header).catch((e) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err.status).toBe(401);
  });

  it("answers 401 for a revoked token", async () => {
    const { organizationId, userId } = await setup();
    const created = await createApiToken(t.db, { organizationId, userId, name: "ci" });
    await revokeApiToken(t.db, organizationId, created.id);
    await expect(authenticateBearer(t.db, `Bearer ${created.token}`)).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
  });

  it("answers 403 for a member's token", async () => {
    const { organizationId } = await setup();
    const member = await t.db.user.create({
      data: { organizationId, email: "m@example.com", name: "Member", role: "MEMBER", passwordHash: "x" },
    });
    const created = await createApiToken(t.db, { organizationId, userId: member.id, name: "member" });
    const err = await authenticateBearer(t.db, `Bearer ${created.token}`).catch((e) => e);
    expect(err.status).toBe(403);
  });
});
