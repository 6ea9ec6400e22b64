import crypto from "node:crypto";
import { describe, expect, it } from "vitest";
import { SIGNATURE_HEADER, sign, signatureHeaderValue, TIMESTAMP_HEADER, verify } from "../../lib/delivery/hmac-signature";
import { wireEvent } from "../../lib/events/envelope";

const secret = "Zm9vYmFyYmF6cXV4LXRoaXMtaXMtYS10ZXN0LXNlY3JldA";
const other = "c2Vjb25kLXNlY3JldC1mb3Itcm90YXRpb24tdGVzdHMtMTI";
const ts = "1714564800";

// The seed's sample receiver: HMAC over "v0:" + timestamp + ":" + JSON.stringify(parsed body).
function seedSample(key: string, timestamp: string, body: unknown): string {
  return crypto.createHmac("sha256", key).update("v0:" + timestamp + ":" + JSON.stringify(body)).digest("hex");
}

const event = wireEvent({
  id: "5b0e3f0e-8f55-4c69-9f53-3c1f1f2b2d9e",
  transactionId: "0f8e4c2a-6f0b-4a7b-9a49-6c4d2b1e0a11",
  eventType: "EVENT_STREAM_CONNECTIONS_TESTED",
  timestamp: "2024-05-01T12:00:00.000Z",
  actor: { email: "ada@example.com", name: "Ada Ünïcode “quotes”", userId: "u1", ipAddress: "203.0.113.7", userAgent: "curl/8" },
  data: { connection_type: "WEBHOOK", nested: { a: [1, 2.5, null, true], s: "line\nbreak \u2028" } },
});
const body = JSON.stringify(event);

describe("HMAC signing (the seed's scheme)", () => {
  it("uses the seed's header names", () => {
    expect(SIGNATURE_HEADER).toBe("X-Opal-Signature");
    expect(TIMESTAMP_HEADER).toBe("X-Opal-Request-Timestamp");
  });

  it("equals the seed sample's hand-computed HMAC over the re-serialised parsed body", () => {
    const expected = seedSample(secret, ts, JSON.parse(body));
    expect(sign(secret, ts, body)).toBe(expected);
    expect(sign(secret, Number(ts), body)).toBe(expected);
    expect(expected).toMatch(/^[0-9a-f]{64}$/);
  });

  it("signs bytes that survive the receiver's parse and re-serialise", () => {
    expect(JSON.stringify(JSON.parse(body))).toBe(body);
  });

  it("changes with the timestamp, the secret and the body", () => {
    const base = sign(secret, ts, body);
    expect(sign(secret, "1714564801", body)).not.toBe(base);
    expect(sign(other, ts, body)).not.toBe(base);
    expect(sign(secret, ts, body.replace("ada@", "eve@"))).not.toBe(base);
  });
});

describe("verify", () => {
  const headers = (signature: string | null | undefined, timestamp: string | null | undefined = ts) => ({ signature, timestamp });

  it("accepts the right secret and refuses a wrong one", () => {
    expect(verify(secret, headers(sign(secret, ts, body)), body)).toBe(true);
    expect(verify(other, headers(sign(secret, ts, body)), body)).toBe(false);
  });

  it("accepts either secret of two comma-delimited signatures, and no third", () => {
    const value = signatureHeaderValue([secret, other], ts, body);
    const parts = value.split(",").map((s) => s.trim());
    expect(parts).toEqual([seedSample(secret, ts, event), seedSample(other, ts, event)]);
    expect(verify(secret, headers(value), body)).toBe(true);
    expect(verify(other, headers(value), body)).toBe(true);
    expect(verify("a-third-secret-nobody-has-yet-0000000000000", headers(value), body)).toBe(false);
    // Receivers split on commas with or without spaces.
    expect(verify(other, headers(parts.join(",")), body)).toBe(true);
  });

  it("refuses a tampered body, including a whitespace-only change", () => {
    const signature = sign(secret, ts, body);
    expect(verify(secret, headers(signature), body.replace('"INFO"', '"ALERT"'))).toBe(false);
    expect(verify(secret, headers(signature), JSON.stringify(event, null, 1))).toBe(false);
  });

  it("refuses a signature made for another timestamp (the timestamp is signed)", () => {
    expect(verify(secret, headers(sign(secret, ts, body), "1714564801"), body)).toBe(false);
  });

  it("applies the tolerance in both directions, inclusive at the edge", () => {
    const signature = sign(secret, ts, body);
    const at = (seconds: number) => ({ toleranceSeconds: 300, now: new Date((Number(ts) + seconds) * 1000) });
    expect(verify(secret, headers(signature), body, at(300))).toBe(true);
    expect(verify(secret, headers(signature), body, at(-300))).toBe(true);
    expect(verify(secret, headers(signature), body, at(301))).toBe(false);
    expect(verify(secret, headers(signature), body, at(-301))).toBe(false);
    // Without a tolerance an old timestamp is the receiver's business.
    expect(verify(secret, headers(signature), body, { now: new Date(0) })).toBe(true);
  });

  it.each([
    ["no signature", null, ts],
    ["an empty signature", "", ts],
    ["no timestamp", "sig", undefined],
    ["a non-numeric timestamp", "sig", "12a"],
    ["a negative timestamp", "sig", "-1714564800"],
    ["a truncated signature", "abcdef", ts],
    ["a non-hex signature", "z".repeat(64), ts],
    ["only commas", ", ,", ts],
  ])("returns false (not throws) for %s", (_label, signature, timestamp) => {
    expect(verify(secret, { signature, timestamp }, body)).toBe(false);
  });
});
