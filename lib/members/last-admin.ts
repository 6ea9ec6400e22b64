import type { Role } from "./schemas";

export type MemberChange = { kind: "remove" } | { kind: "role"; role: Role };

/**
 * Whether a change to a person would leave the organization without an admin. `admins` counts its
 * ACTIVE and INVITED admins (an invited admin will be able to act once they accept).
 */
export function leavesNoAdmin(admins: number, target: { role: Role }, change: MemberChange): boolean {
  if (target.role !== "ADMIN") return false;
  const stopsBeingAdmin = change.kind === "remove" || change.role !== "ADMIN";
  return stopsBeingAdmin && admins <= 1;
}

export const LAST_ADMIN_MESSAGE = "An organization needs at least one admin: make someone else an admin first.";
