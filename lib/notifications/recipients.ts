import type pg from "pg";

/** The email addresses of the organization's admins (node-postgres, for the worker). */
export async function adminEmails(db: Pick<pg.Pool, "query">, organizationId: string): Promise<string[]> {
  const { rows } = await db.query<{ email: string }>("SELECT email FROM users WHERE organization_id = $1 AND role = 'ADMIN' ORDER BY email", [organizationId]);
  return rows.map((r) => r.email);
}
