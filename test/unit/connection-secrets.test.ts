import { describe, expect, it } from "vitest";
import { sumoBasicAuth } from "../../lib/connections/presets";
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

  it("masks a secret under 4 characters where it stands as a whole word, never inside other words", () => {
    expect(redactSecrets('{"key":"abc","note":"abcdef xabc"} key=abc', ["abc"])).toBe('{"key":"[redacted]","note":"abcdef xabc"} key=[redacted]');
    expect(redactSecrets("a cat sat", ["at"])).toBe("a cat sat");
    expect(redactSecrets("token 7 of 77", ["7"])).toBe("token [redacted] of 77");
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

describe("redactSecrets: encoded echoes", () => {
  const key = "dd/0123+456789 abcdef!";

  it.each([
    ["percent-encoded", encodeURIComponent(key)],
    ["percent-encoded with lower-case hex", encodeURIComponent(key).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase())],
    ["form-encoded", new URLSearchParams({ k: key }).toString().slice(2)],
    ["JSON-escaped", JSON.stringify(key).slice(1, -1).replace(/\//g, "\\/")],
    ["base64", Buffer.from(key).toString("base64")],
    ["base64url without padding", Buffer.from(key).toString("base64url")],
  ])("masks the secret echoed %s", (_how, echoed) => {
    const out = redactSecrets(`{"echo":"${echoed}","status":"denied"}`, [key])!;
    expect(out).toBe('{"echo":"[redacted]","status":"denied"}');
  });

  it("masks the secret inside a larger base64 blob, whatever its offset", () => {
    for (const prefix of ["", "x", "xy", "xyz", '{"headers":{"dd-api-key":"']) {
      const blob = Buffer.from(`${prefix}${key}", "more": "stuff after it"}`).toString("base64");
      const out = redactSecrets(`echo: ${blob}`, [key])!;
      expect(out).toContain("[redacted]");
      for (const piece of out.slice("echo: ".length).split("[redacted]")) {
        expect(Buffer.from(piece, "base64").toString("latin1")).not.toContain(key.slice(1, -1));
      }
    }
  });
});

describe("redactSecrets: Sumo Logic's Authorization: Basic base64(accessId:accessKey)", () => {
  const accessId = "suAbC123dEf456";
  const accessKey = "Zy9xQ2pT7kLmN0bVc4Hs1RtUw8YeKfJa3GdPiOqS6nM5rXvB";
  const header = sumoBasicAuth(accessId, accessKey);
  const b64 = header.slice("Basic ".length);
  const secrets = [header];

  it.each([
    ["the header value", header],
    ["the base64 part alone", b64],
    ["the decoded id:key", `${accessId}:${accessKey}`],
    ["the access key alone", accessKey],
    ["the access id alone", accessId],
    ["the header percent-encoded", encodeURIComponent(header)],
    ["the base64 part percent-encoded", encodeURIComponent(b64)],
    ["the access key percent-encoded", encodeURIComponent(`${accessKey}/`).slice(0, -3)],
    ["the access key in base64", Buffer.from(accessKey).toString("base64")],
  ])("masks %s", (_what, echoed) => {
    const out = redactSecrets(`401: credentials "${echoed}" are not valid`, secrets);
    expect(out).toBe('401: credentials "[redacted]" are not valid');
  });

  it("masks a percent-encoded echo cut off by the excerpt limit", () => {
    const cut = encodeURIComponent(header).slice(0, 20);
    expect(redactSecrets(`bad auth: ${cut}`, secrets)).toBe("bad auth: [redacted]");
  });

  it("leaves the scheme name and ordinary text alone", () => {
    expect(redactSecrets("Use Basic authentication with an access key", secrets)).toBe("Use Basic authentication with an access key");
  });
});
