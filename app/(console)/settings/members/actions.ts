"use server";

import { revalidatePath } from "next/cache";
import { runAction } from "@/lib/api/action-result";
import { requireAdminPrincipal } from "@/lib/auth/require-admin";
import { db } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import { jobSender } from "@/lib/jobs/boss";
import { inviteMember, removeMember, resendInvitation, updateMember } from "@/lib/members/service";

const PAGE = "/settings/members";

const notYourself = (what: string) => new AppError("CONFLICT", `You cannot ${what} yourself here. Ask another admin of your organization.`);

export async function inviteMemberAction(input: unknown) {
  return runAction("inviteMember", async () => {
    const member = await inviteMember({ db: db(), boss: jobSender() }, await requireAdminPrincipal(), input);
    revalidatePath(PAGE);
    return { member };
  });
}

export async function resendInvitationAction(userId: string) {
  return runAction("resendInvitation", async () => {
    const member = await resendInvitation({ db: db(), boss: jobSender() }, await requireAdminPrincipal(), userId);
    revalidatePath(PAGE);
    return { member };
  });
}

export async function changeRoleAction(userId: string, role: unknown) {
  return runAction("changeRole", async () => {
    const admin = await requireAdminPrincipal();
    if (userId === admin.user.id) throw notYourself("change the role of");
    const member = await updateMember({ db: db() }, admin, userId, { role });
    revalidatePath(PAGE);
    return { member };
  });
}

/** Removes a person, or revokes an invitation (the invited person goes with it). */
export async function removeMemberAction(userId: string) {
  return runAction("removeMember", async () => {
    const admin = await requireAdminPrincipal();
    if (userId === admin.user.id) throw notYourself("remove");
    await removeMember({ db: db() }, admin, userId);
    revalidatePath(PAGE);
    return {};
  });
}
