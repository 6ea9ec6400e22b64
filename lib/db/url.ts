import { getConfig } from "../config";

/** The configured PostgreSQL URL (no Prisma here: the worker imports this without the ORM). */
export function databaseUrl(): string {
  const url = getConfig().databaseUrl;
  if (!url) {
    throw new Error(
      "DATABASE_URL is not set. Start Tributary with `npm start` (which runs the embedded PostgreSQL and sets it), or set DATABASE_URL.",
    );
  }
  return url;
}

/** The same server URL pointing at another database. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}
