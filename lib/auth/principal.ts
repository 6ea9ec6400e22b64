import type { Actor } from "../events/envelope";

/** Who is acting, for authorization and for the audit event's actor fields. */
export type Principal = {
  organizationId: string;
  user: { id: string; email: string; name: string };
  ipAddress: string | null;
  userAgent: string | null;
};

export const actorOf = (p: Principal): Actor => ({
  email: p.user.email,
  name: p.user.name,
  userId: p.user.id,
  ipAddress: p.ipAddress,
  userAgent: p.userAgent,
});
