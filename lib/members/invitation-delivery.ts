import type pg from "pg";
import { generateOneTimeToken, hashOneTimeToken } from "../crypto/one-time-token";

/** An emailed invitation is valid this long. */
export const INVITATION_TTL_MS = 72 * 3600_000;

export type IssuedInvitation = {
  token: string;
  email: string;
  organizationName: string;
  invitedByName: string | null;
  role: "ADMIN" | "MEMBER";
  expiresAt: Date;
};

/**
 * Draws the token the invitation email carries, when the email is sent (node-postgres, for the
 * worker): it is never stored, nor put in the job queue; its hash replaces any earlier one, so only
 * the latest email's link works. Null when the person accepted or was removed meanwhile.
 */
export async function issueInvitationToken(db: Pick<pg.Pool, "query">, invitationId: string, now = new Date()): Promise<IssuedInvitation | null> {
  const token = generateOneTimeToken();
  const expiresAt = new Date(now.getTime() + INVITATION_TTL_MS);
  const { rows } = await db.query<{ email: string; organization_name: string; invited_by_name: string | null; role: "ADMIN" | "MEMBER" }>(
    `UPDATE invitations i SET token_hash = $2, expires_at = $3, sent_at = $4
     FROM users u, organizations o
     WHERE i.id = $1 AND u.id = i.user_id AND u.status = 'INVITED' AND o.id = i.organization_id
     RETURNING u.email, o.name AS organization_name, i.invited_by_name, u.role::text AS role`,
    [invitationId, hashOneTimeToken(token), expiresAt, now],
  );
  const row = rows[0];
  return row ? { token, email: row.email, organizationName: row.organization_name, invitedByName: row.invited_by_name, role: row.role, expiresAt } : null;
}
