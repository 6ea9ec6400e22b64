import type { Metadata } from "next";
import Link from "next/link";
import { AuthCard } from "@/components/auth/auth-card";
import { AcceptInvitationForm } from "@/components/members/accept-invitation-form";
import { Alert } from "@/components/ui/alert";
import { buttonClass } from "@/components/ui/button";
import { db } from "@/lib/db/client";
import { INVITATION_GONE, peekInvitation } from "@/lib/members/invitations";
import { acceptInvitationAction } from "./actions";

export const metadata: Metadata = { title: "Accept your invitation" };
export const dynamic = "force-dynamic";

export default async function InvitePage({ params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  const invitation = await peekInvitation(db(), token);
  if (invitation.state !== "valid") {
    return (
      <AuthCard title={invitation.state === "expired" ? "This invitation has expired" : "This invitation link does not work"}>
        <div className="space-y-4">
          <Alert tone="warning">
            {invitation.state === "expired"
              ? `Invitations are valid for 72 hours. Ask an admin of ${invitation.organizationName} to resend it from Settings › Members.`
              : INVITATION_GONE}
          </Alert>
          <Link href="/login" className={buttonClass("secondary", "w-full")}>
            Go to sign in
          </Link>
        </div>
      </AuthCard>
    );
  }
  return (
    <AuthCard
      title={`Join ${invitation.organizationName}`}
      subtitle={
        <>
          You are invited as {invitation.role === "ADMIN" ? "an admin" : "a member"} with <strong className="text-slate-900">{invitation.email}</strong>.
          Choose your name and a password to accept.
        </>
      }
    >
      <AcceptInvitationForm token={token} email={invitation.email} name={invitation.name} action={acceptInvitationAction} />
    </AuthCard>
  );
}
