import { describe, expect, it } from "vitest";
import { windowStart } from "../../lib/auth/rate-limit";
import { firstRunSchema, loginSchema } from "../../lib/auth/schemas";
import { AppError, errorBody } from "../../lib/errors";

describe("login schema", () => {
  it("normalises the email", () => {
    expect(loginSchema.parse({ email: "  Ada@Example.COM ", password: "x" }).email).toBe("ada@example.com");
  });
  it("explains a missing password and a bad email", () => {
    const r = loginSchema.safeParse({ email: "nope", password: "" });
    expect(r.success).toBe(false);
    const messages = r.error!.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    expect(messages).toEqual(expect.arrayContaining([expect.stringMatching(/^email: Enter a valid email/), "password: Enter your password."]));
  });
});

describe("first-run schema", () => {
  const ok = { organizationName: "Acme", name: "Ada", email: "a@b.co", password: "twelve chars!", confirmPassword: "twelve chars!" };
  it("accepts a complete form", () => {
    expect(firstRunSchema.safeParse(ok).success).toBe(true);
  });
  it("rejects a whitespace-only password", () => {
    expect(firstRunSchema.safeParse({ ...ok, password: " ".repeat(12), confirmPassword: " ".repeat(12) }).success).toBe(false);
  });
});

describe("rate limit window", () => {
  it("aligns to the window size", () => {
    expect(windowStart(new Date("2026-01-01T00:14:59Z"), 900).toISOString()).toBe("2026-01-01T00:00:00.000Z");
    expect(windowStart(new Date("2026-01-01T00:15:00Z"), 900).toISOString()).toBe("2026-01-01T00:15:00.000Z");
  });
});

describe("errors", () => {
  it("map codes to statuses and a stable body", () => {
    const e = new AppError("CONNECTION_LIMIT_REACHED", "At most 3.", { limit: 3 });
    expect(e.status).toBe(409);
    expect(errorBody(e)).toEqual({ error: { code: "CONNECTION_LIMIT_REACHED", message: "At most 3.", details: { limit: 3 } } });
    expect(errorBody(new AppError("NOT_FOUND", "x"))).toEqual({ error: { code: "NOT_FOUND", message: "x" } });
  });
});
