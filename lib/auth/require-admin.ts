import { headers } from "next/headers";
import { requestMeta } from "../api/request-meta";
import type { Principal } from "./principal";
import { AppError } from "../errors";
import { currentUser } from "./session";

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
