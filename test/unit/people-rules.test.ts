import { describe, expect, it } from "vitest";
import { isOperatorToken } from "../../lib/auth/operator";
import { sessionCookies } from "../../lib/auth/options";
import { leavesNoAdmin } from "../../lib/members/last-admin";
import { inviteMemberSchema } from "../../lib/members/schemas";
import { externalIdSchema } from "../../lib/organizations/schemas";
import { testConfig } from "../helpers/config";

describe("the last-admin rule", () => {
  it.each([
    [1, "ADMIN", { kind: "remove" }, true],
    [1, "ADMIN", { kind: "role", role: "MEMBER" }, true],
    [1, "ADMIN", { kind: "role", role: "ADMIN" }, false],
    [2, "ADMIN", { kind: "remove" }, false],
    [2, "ADMIN", { kind: "role", role: "MEMBER" }, false],
    [1, "MEMBER", { kind: "remove" }, false],
    [0, "MEMBER", { kind: "role", role: "ADMIN" }, false],
  ] as const)("with %i admin(s), a change to a(n) %s (%o) leaves no admin: %s", (admins, role, change, expected) => {
    expect(leavesNoAdmin(admins, { role }, change)).toBe(expected);
  });
});

describe("the operator token check", () => {
  const token = "operator-token-of-at-least-32-characters";
  it("accepts exactly the configured token", () => {
    expect(isOperatorToken(token, token)).toBe(true);
    expect(isOperatorToken(token, `${token}x`)).toBe(false);
    expect(isOperatorToken(token, token.slice(0, -1))).toBe(false);
    expect(isOperatorToken(token, "")).toBe(false);
  });
  it("accepts nothing when no operator token is configured", () => {
    expect(isOperatorToken(undefined, "")).toBe(false);
    expect(isOperatorToken(undefined, "anything")).toBe(false);
  });
  it("is configured with at least 32 characters, safe in a header", () => {
    expect(testConfig({ OPERATOR_API_TOKEN: token }).operatorApiToken).toBe(token);
    expect(testConfig({}).operatorApiToken).toBeUndefined();
    expect(() => testConfig({ OPERATOR_API_TOKEN: "too-short" })).toThrow(/OPERATOR_API_TOKEN: must be at least 32 characters/);
    expect(() => testConfig({ OPERATOR_API_TOKEN: `${token} with spaces` })).toThrow(/OPERATOR_API_TOKEN/);
  });
});

describe("session cookies for the embedded portal", () => {
  it("are SameSite=None; Secure only with frame ancestors and an https:// APP_URL", () => {
    const embedded = sessionCookies(testConfig({ APP_URL: "https://tributary.example.com", PORTAL_FRAME_ANCESTORS: "https://app.example.com" }));
    expect(embedded?.sessionToken).toEqual({ name: "__Secure-next-auth.session-token", options: { httpOnly: true, sameSite: "none", path: "/", secure: true } });
    expect(embedded?.csrfToken?.name).toBe("__Host-next-auth.csrf-token");
    expect(embedded?.csrfToken?.options.sameSite).toBe("none");
    expect(embedded?.callbackUrl?.options.sameSite).toBe("none");
    // Without https a browser drops Secure cookies on http://; without frame ancestors nothing frames the pages.
    expect(sessionCookies(testConfig({ APP_URL: "http://localhost:3000", PORTAL_FRAME_ANCESTORS: "https://app.example.com" }))).toBeUndefined();
    expect(sessionCookies(testConfig({ APP_URL: "https://tributary.example.com" }))).toBeUndefined();
  });
});

describe("people's input", () => {
  it("normalises an invitation's email, leaves an empty name out, and requires a role", () => {
    expect(inviteMemberSchema.parse({ email: " Ann@Example.COM ", name: "  ", role: "MEMBER" })).toEqual({ email: "ann@example.com", role: "MEMBER" });
    expect(inviteMemberSchema.safeParse({ email: "ann@example.com" }).success).toBe(false);
    expect(inviteMemberSchema.safeParse({ email: "ann@example.com", role: "OWNER" }).success).toBe(false);
  });
  it("takes a host's tenant id as printable text without surrounding spaces", () => {
    expect(externalIdSchema.parse(" tenant 42 ")).toBe("tenant 42");
    expect(externalIdSchema.safeParse("").success).toBe(false);
    expect(externalIdSchema.safeParse("tab\there").success).toBe(false);
    expect(externalIdSchema.safeParse("x".repeat(201)).success).toBe(false);
  });
});
