import crypto from "node:crypto";

// Tokens of emailed and operator-minted links (invitations, portal sign-in): 256 random bits,
// stored only as a SHA-256 hash, so a database dump signs nobody in.

export function generateOneTimeToken(): string {
  return crypto.randomBytes(32).toString("base64url");
}

export function hashOneTimeToken(token: string): string {
  return crypto.createHash("sha256").update(token).digest("hex");
}
