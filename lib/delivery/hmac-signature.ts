import crypto from "node:crypto";

// The seed's scheme: hex HMAC-SHA256(secret, "v0:" + timestamp + ":" + body); one signature per
// active secret, comma delimited, so receivers can rotate without downtime.

export const SIGNATURE_HEADER = "X-Opal-Signature";
export const TIMESTAMP_HEADER = "X-Opal-Request-Timestamp";

export function sign(secret: string, timestamp: string | number, body: string): string {
  return crypto.createHmac("sha256", secret).update(`v0:${timestamp}:${body}`).digest("hex");
}

export function signatureHeaderValue(secrets: readonly string[], timestamp: string | number, body: string): string {
  return secrets.map((s) => sign(s, timestamp, body)).join(", ");
}

/**
 * What a receiver does: true when any signature in the header matches the secret (constant-time),
 * and, with `toleranceSeconds`, the timestamp is recent enough to rule out a replay.
 */
export function verify(
  secret: string,
  headers: { signature: string | null | undefined; timestamp: string | null | undefined },
  body: string,
  options: { toleranceSeconds?: number; now?: Date } = {},
): boolean {
  if (!headers.signature || !headers.timestamp || !/^\d+$/.test(headers.timestamp)) return false;
  if (options.toleranceSeconds !== undefined) {
    const now = Math.floor((options.now ?? new Date()).getTime() / 1000);
    if (Math.abs(now - Number(headers.timestamp)) > options.toleranceSeconds) return false;
  }
  const expected = Buffer.from(sign(secret, headers.timestamp, body), "hex");
  return headers.signature
    .split(",")
    .map((s) => s.trim())
    .some((candidate) => {
      const actual = Buffer.from(candidate, "hex");
      return actual.length === expected.length && crypto.timingSafeEqual(actual, expected);
    });
}
