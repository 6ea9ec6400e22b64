import type pg from "pg";

/**
 * The email addresses of the organization's active admins (node-postgres, for the worker): each
 * once. Invited admins get nothing until they accept.
 */
export async function adminEmails(db: Pick<pg.Pool, "query">, organizationId: string): Promise<string[]> {
  const { rows } = await db.query<{ email: string }>(
    "SELECT DISTINCT email FROM users WHERE organization_id = $1 AND role = 'ADMIN' AND status = 'ACTIVE' ORDER BY email",
    [organizationId],
  );
  return rows.map((r) => r.email);
}
