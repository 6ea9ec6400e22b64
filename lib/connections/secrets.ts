import crypto from "node:crypto";

/** A new HMAC signing secret: 32 random bytes, base64url (43 characters). */
export function generateHmacSecret(): string {
  return crypto.randomBytes(32).toString("base64url");
}

export { redactSecrets } from "../crypto/redact-secrets";
