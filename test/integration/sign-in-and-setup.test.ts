import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { setUpFromFirstRunPage } from "../../lib/auth/accounts";
import { SLOWDOWN_STEP_MS } from "../../lib/auth/login-throttle";
import { hashPassword } from "../../lib/auth/password";
import { attemptSignIn, type SignInDeps } from "../../lib/auth/sign-in";
import { ensureSetupToken, expectedSetupToken, setupTokenFile } from "../../lib/auth/setup-token";
import { AppError } from "../../lib/errors";
import { testConfig } from "../helpers/config";
import { createTestDatabase, type TestDatabase } from "../helpers/db";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t.drop());

const PASSWORD = "the admin's real password";

describe("signing in", () => {
  let deps: SignInDeps;
  let slept: number[];
  let email: string;
  let n = 0;

  beforeEach(async () => {
    // Limits as configured by default: 10 per account and client, 50 per client, 15 minutes.
    slept = [];
    email = `admin${++n}@example.com`;
    // Counted per 15-minute window: a fixed clock per test keeps its attempts in one window, and apart from other tests'.
    const now = new Date(Date.UTC(2026, 5, 1, n));
    deps = { db: t.db, config: testConfig(), logger: pino({ level: "silent" }), sleep: async (ms) => void slept.push(ms), now: () => now };
    const org = await t.db.organization.create({ data: { name: `Org ${n}` } });
    await t.db.user.create({ data: { organizationId: org.id, email, name: "Ada", role: "ADMIN", passwordHash: await hashPassword(PASSWORD) } });
  });

  const attempt = (password: string, ip: string | null, who = email) => attemptSignIn(deps, { email: who, password }, ip);
  const refusal = (p: Promise<unknown>) =>
    p.then(
      () => null,
      (e: unknown) => e as AppError,
    );

  it("refuses a guesser at one address after 10 wrong passwords, but lets the admin in from another", async () => {
    for (let i = 0; i < 10; i++) expect(await attempt(`guess ${i}`, "198.51.100.66")).toBeNull();
    const err = await refusal(attempt("guess 10", "198.51.100.66"));
    expect(err).toMatchObject({ code: "RATE_LIMITED", details: { retry_after_seconds: expect.any(Number) } });
    // Even the right password from the guesser's address waits out the window.
    expect((await refusal(attempt(PASSWORD, "198.51.100.66")))?.code).toBe("RATE_LIMITED");

    expect(await attempt(PASSWORD, "203.0.113.5")).toMatchObject({ email });
  });

  it("never refuses the right password because of failures from many addresses: it slows every attempt instead", async () => {
    for (let i = 0; i < 30; i++) expect(await attempt(`guess ${i}`, `198.51.100.${i}`)).toBeNull();
    // 30 failures, 10 allowed: 20 over → 20 × 250 ms, capped at 5 s.
    slept.length = 0;
    expect(await attempt(PASSWORD, "203.0.113.5")).toMatchObject({ email });
    expect(slept).toEqual([5_000]);
    slept.length = 0;
    expect(await attempt("one more guess", "198.51.100.200")).toBeNull();
    expect(slept).toEqual([5_000]);
  });

  it("slows attempts once an account has more than 10 failures, by 250 ms per failure over", async () => {
    for (let i = 0; i < 11; i++) await attempt(`guess ${i}`, `198.51.100.${i}`);
    expect(slept).toEqual([]);
    await attempt("guess 11", "198.51.100.11");
    await attempt("guess 12", "198.51.100.12");
    expect(slept).toEqual([SLOWDOWN_STEP_MS, 2 * SLOWDOWN_STEP_MS]);
  });

  it("counts a client's attempts on every account, and refuses the client on any account once over", async () => {
    const config = testConfig({ LOGIN_MAX_ATTEMPTS_PER_IP: "5" });
    deps = { ...deps, config };
    for (let i = 0; i < 5; i++) expect(await attemptSignIn(deps, { email: `nobody${i}@example.com`, password: "x" }, "198.51.100.77")).toBeNull();
    expect((await refusal(attemptSignIn(deps, { email: "nobody5@example.com", password: "x" }, "198.51.100.77")))?.code).toBe("RATE_LIMITED");
    // Even the right password of a real account: the client is refused before anything is checked.
    expect((await refusal(attempt(PASSWORD, "198.51.100.77")))?.code).toBe("RATE_LIMITED");
  });

  it("starts the count for a client and account again after a successful sign-in", async () => {
    for (let i = 0; i < 9; i++) await attempt(`guess ${i}`, "203.0.113.5");
    expect(await attempt(PASSWORD, "203.0.113.5")).not.toBeNull();
    for (let i = 0; i < 10; i++) expect(await attempt(`typo ${i}`, "203.0.113.5")).toBeNull();
  });
});

describe("first-run set-up from the page", () => {
  const form = {
    setupToken: "",
    organizationName: "Acme",
    name: "Ada Admin",
    email: "ada@example.com",
    password: "a long enough password",
    confirmPassword: "a long enough password",
  };
  let dataDir: string;
  let fresh: TestDatabase;

  beforeEach(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "tributary-setup-"));
    fresh = await createTestDatabase();
    return async () => {
      await fresh.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    };
  });

  it("generates a token once (0600, in DATA_DIR/keys), asks for it, and forgets it once the admin exists", async () => {
    const config = testConfig({ DATA_DIR: dataDir });
    const first = ensureSetupToken(config);
    expect(first.generated).toBe(true);
    expect(first.token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(ensureSetupToken(config)).toEqual({ token: first.token, generated: false });
    expect(fs.statSync(setupTokenFile(config)).mode & 0o777).toBe(0o600);

    const wrong = await setUpFromFirstRunPage(fresh.db, config, { ...form, setupToken: "not-the-token" }, "203.0.113.5").catch((e) => e);
    expect(wrong).toMatchObject({ code: "VALIDATION_FAILED", details: [{ path: "setupToken", message: expect.stringContaining("start log") }] });
    const missing = await setUpFromFirstRunPage(fresh.db, config, form, "203.0.113.5").catch((e) => e);
    expect(missing).toMatchObject({ code: "VALIDATION_FAILED", details: [{ path: "setupToken", message: "Enter the setup token printed in Tributary's start log." }] });
    expect(await fresh.db.user.count()).toBe(0);

    await setUpFromFirstRunPage(fresh.db, config, { ...form, setupToken: ` ${first.token} ` }, "203.0.113.5");
    expect(await fresh.db.user.count()).toBe(1);
    expect(expectedSetupToken(config)).toBeNull();
  });

  it("takes SETUP_TOKEN instead when the operator set one", async () => {
    const config = testConfig({ DATA_DIR: dataDir, SETUP_TOKEN: "operator-chosen-setup-token" });
    expect(ensureSetupToken(config)).toEqual({ token: "operator-chosen-setup-token", generated: false });
    expect(fs.existsSync(setupTokenFile(config))).toBe(false);
    await setUpFromFirstRunPage(fresh.db, config, { ...form, setupToken: "operator-chosen-setup-token" }, null);
    expect(await fresh.db.user.count()).toBe(1);
  });

  it("refuses every attempt while no token exists, saying how to get one", async () => {
    const config = testConfig({ DATA_DIR: dataDir });
    const err = await setUpFromFirstRunPage(fresh.db, config, { ...form, setupToken: "anything" }, null).catch((e) => e);
    expect(err).toMatchObject({ code: "VALIDATION_FAILED" });
    expect(err.message).toMatch(/npm start.*SETUP_TOKEN/);
    expect(await fresh.db.user.count()).toBe(0);
  });

  it("limits attempts per client before comparing the token or hashing anything", async () => {
    const config = testConfig({ DATA_DIR: dataDir, LOGIN_MAX_ATTEMPTS_PER_EMAIL: "3" });
    const { token } = ensureSetupToken(config);
    for (let i = 0; i < 3; i++) {
      expect(await setUpFromFirstRunPage(fresh.db, config, { ...form, setupToken: `guess-${i}` }, "198.51.100.66").catch((e) => e.code)).toBe("VALIDATION_FAILED");
    }
    expect(await setUpFromFirstRunPage(fresh.db, config, { ...form, setupToken: token }, "198.51.100.66").catch((e) => e.code)).toBe("RATE_LIMITED");
    expect(await fresh.db.user.count()).toBe(0);
    await setUpFromFirstRunPage(fresh.db, config, { ...form, setupToken: token }, "203.0.113.5");
    expect(await fresh.db.user.count()).toBe(1);
  });
});
