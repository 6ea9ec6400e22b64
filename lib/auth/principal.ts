import type { Actor } from "../events/envelope";

export type Person = { id: string; email: string; name: string };

/**
 * Who is acting, for authorization and for the audit event's actor fields: a person (signed in, or
 * through their API token), or — `user` null — something that is not a person, named by `agent`:
 * the operator (the host product's backend) or an API token the operator created.
 */
export type Principal = {
  organizationId: string;
  ipAddress: string | null;
  userAgent: string | null;
} & ({ user: Person; agent?: undefined } | { user: null; agent: string });

/** The audit actor name of the operator API (OPERATOR_API_TOKEN). */
export const OPERATOR_AGENT = "Operator API";

export const actorOf = (p: Principal): Actor => ({
  email: p.user?.email ?? null,
  name: p.user?.name ?? p.agent ?? null,
  userId: p.user?.id ?? null,
  ipAddress: p.ipAddress,
  userAgent: p.userAgent,
});

/** The acting person's id, for "created by" / "disabled by" columns; null when no person acts. */
export const personId = (p: Principal): string | null => p.user?.id ?? null;
