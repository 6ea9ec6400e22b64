import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { requestMeta } from "../api/request-meta";
import type { Principal } from "./principal";
import { AppError } from "../errors";
import { currentUser, type SessionUser } from "./session";

/**
 * The viewer of a settings page, checked by the page itself before it reads anything: signed out
 * → the sign-in page; signed in but not an admin → null, and the page shows <AdminsOnly />.
 */
export async function settingsPageUser(): Promise<SessionUser | null> {
  const user = await currentUser();
  if (!user) redirect("/login");
  return user.role === "ADMIN" ? user : null;
}

/** The signed-in admin as the acting principal of a server action (with IP and user agent). */
export async function requireAdminPrincipal(): Promise<Principal> {
  const user = await currentUser();
  if (!user) throw new AppError("UNAUTHENTICATED", "Your session ended. Sign in again.");
  if (user.role !== "ADMIN") throw new AppError("FORBIDDEN", "Only admins can change settings.");
  return {
    organizationId: user.organizationId,
    user: { id: user.id, email: user.email, name: user.name },
    ...requestMeta(await headers()),
  };
}
