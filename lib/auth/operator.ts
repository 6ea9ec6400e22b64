import crypto from "node:crypto";

const digest = (s: string) => crypto.createHash("sha256").update(s).digest();

/**
 * Whether a presented bearer token is the operator's (OPERATOR_API_TOKEN). Both sides are hashed
 * first, so the comparison takes the same time whatever the presented token's length or content.
 */
export function isOperatorToken(operatorToken: string | undefined, presented: string): boolean {
  if (!operatorToken) return false;
  return crypto.timingSafeEqual(digest(operatorToken), digest(presented));
}
