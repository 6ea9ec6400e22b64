import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { AuthCard } from "@/components/auth/auth-card";
import { PortalContinue } from "@/components/portal/portal-continue";
import { db } from "@/lib/db/client";
import { PORTAL_LANDING_PATH, peekPortalLink } from "@/lib/portal/portal-links";

export const metadata: Metadata = { title: "Continue to Tributary" };
export const dynamic = "force-dynamic";

// Opening the link does not use it up (mail systems fetch links to scan them): the person clicks
// Continue, which signs them in and lands on Event Streaming.
export default async function PortalPage({ params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  const link = await peekPortalLink(db(), token);
  if (link.state !== "valid") redirect(`/login?portal=${link.state}`);
  return (
    <AuthCard
      title={`Continue to ${link.organizationName}`}
      subtitle={
        <>
          Sign in to Tributary as <strong className="text-slate-900">{link.email}</strong> to manage event streaming.
        </>
      }
    >
      <PortalContinue token={token} landing={PORTAL_LANDING_PATH} />
    </AuthCard>
  );
}
