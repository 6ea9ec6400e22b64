import type { Metadata } from "next";
import { AdminsOnly } from "@/components/layout/admins-only";
import { MembersManager } from "@/components/members/members-manager";
import { PageHeader } from "@/components/ui/page-header";
import { settingsPageUser } from "@/lib/auth/require-admin";
import { db } from "@/lib/db/client";
import { listMembers } from "@/lib/members/service";
import { changeRoleAction, inviteMemberAction, removeMemberAction, resendInvitationAction } from "./actions";

export const metadata: Metadata = { title: "Members" };

export default async function MembersPage() {
  const user = await settingsPageUser();
  if (!user) return <AdminsOnly />;
  const members = await listMembers(db(), user.organizationId);
  return (
    <div className="space-y-6">
      <PageHeader
        title="Members"
        description={
          <>
            The people of {user.organizationName}. <strong>Admins</strong> manage event streaming, API tokens and members, and receive the
            failure emails; <strong>members</strong> can look at Event Streaming and Failed deliveries without changing anything.
          </>
        }
      />
      <MembersManager
        members={members}
        currentUserId={user.id}
        inviteAction={inviteMemberAction}
        resendAction={resendInvitationAction}
        changeRoleAction={changeRoleAction}
        removeAction={removeMemberAction}
      />
    </div>
  );
}
