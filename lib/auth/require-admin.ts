import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { requestMeta } from "../api/request-meta";
import type { Person, Principal } from "./principal";
import { AppError } from "../errors";
import { currentUser, type SessionUser } from "./session";

// Every settings page and server action checks the signed-in person itself, not only the layout:
// in the App Router a layout and its page render independently, and a client navigation can fetch
// a page's data without its layout.

/** Whether this person may change settings (members read Event Streaming, a connection and Failed deliveries only). */
export const canChange = (user: Pick<SessionUser, "role">): boolean => user.role === "ADMIN";

/**
 * The viewer of an admins-only settings page (new connection, API tokens, Members): signed out →
 * the sign-in page; signed in but not an admin → null, and the page shows <AdminsOnly />.
 */
export async function settingsPageUser(): Promise<SessionUser | null> {
  const user = await currentUser();
  if (!user) redirect("/login");
  return canChange(user) ? user : null;
}

/** The viewer of a settings page members may read too; the page hides change controls unless `canChange`. */
export async function settingsPageReader(): Promise<SessionUser> {
  const user = await currentUser();
  if (!user) redirect("/login");
  return user;
}

async function principalOf(user: SessionUser): Promise<Principal & { user: Person }> {
  return {
    organizationId: user.organizationId,
    user: { id: user.id, email: user.email, name: user.name },
    ...requestMeta(await headers()),
  };
}

/** The signed-in admin as the acting principal of a server action that changes something (with IP and user agent). */
export async function requireAdminPrincipal(): Promise<Principal & { user: Person }> {
  const user = await currentUser();
  if (!user) throw new AppError("UNAUTHENTICATED", "Your session ended. Sign in again.");
  if (!canChange(user)) throw new AppError("FORBIDDEN", "Only admins can change settings. Members can look, not change: ask an admin of your organization.");
  return principalOf(user);
}

/** The signed-in person (admin or member) for a server action that only reads. */
export async function requireReaderPrincipal(): Promise<Principal & { user: Person }> {
  const user = await currentUser();
  if (!user) throw new AppError("UNAUTHENTICATED", "Your session ended. Sign in again.");
  return principalOf(user);
}
