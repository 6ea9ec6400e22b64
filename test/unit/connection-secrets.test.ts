import { describe, expect, it } from "vitest";
import { generateHmacSecret, redactSecrets } from "../../lib/connections/secrets";

describe("generateHmacSecret", () => {
  it("makes 32 random bytes as 43 base64url characters, different every time", () => {
    const a = generateHmacSecret();
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(a, "base64url")).toHaveLength(32);
    expect(new Set(Array.from({ length: 50 }, generateHmacSecret)).size).toBe(50);
  });
});

describe("redactSecrets", () => {
  const key = "dd-0123456789abcdef";

  it("replaces every occurrence of every secret", () => {
    expect(redactSecrets(`a ${key} b ${key} c tok-9876`, [key, "tok-9876"])).toBe("a [redacted] b [redacted] c [redacted]");
  });

  it("keeps null as null and text without secrets as it is", () => {
    expect(redactSecrets(null, [key])).toBeNull();
    expect(redactSecrets("all good", [key])).toBe("all good");
    expect(redactSecrets("all good", [])).toBe("all good");
  });

  it("leaves secrets under 4 characters alone rather than shredding ordinary text", () => {
    expect(redactSecrets("a cat sat", ["a"])).toBe("a cat sat");
  });

  it("masks the start of a secret that the text was cut off in", () => {
    expect(redactSecrets(`invalid key ${key.slice(0, 10)}`, [key])).toBe("invalid key [redacted]");
    expect(redactSecrets(`${key} then ${key.slice(0, 5)}`, [key])).toBe("[redacted] then [redacted]");
  });

  it("does not mask a trailing piece shorter than 4 characters or one that is not the secret's start", () => {
    expect(redactSecrets("ends with dd-", [key])).toBe("ends with dd-");
    expect(redactSecrets("ends with 0123456789", [key])).toBe("ends with 0123456789");
  });
});
