import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { AuthCard } from "@/components/auth/auth-card";
import { LoginForm } from "@/components/auth/login-form";
import { Alert } from "@/components/ui/alert";
import { hasAnyUser } from "@/lib/auth/accounts";
import { safeCallbackPath } from "@/lib/auth/safe-callback";
import { currentUser } from "@/lib/auth/session";
import { getConfig } from "@/lib/config";
import { db } from "@/lib/db/client";

export const metadata: Metadata = { title: "Sign in" };

// Why a portal sign-in link sent the person here instead (see app/portal/[token]).
const PORTAL_NOTICES: Record<string, { title: string; text: string }> = {
  used: { title: "This sign-in link was already used", text: "Each link works once. Open Tributary again from your product to get a new one, or sign in with your password." },
  expired: { title: "This sign-in link has expired", text: "Links work for a few minutes. Open Tributary again from your product to get a new one, or sign in with your password." },
  refused: { title: "This sign-in link no longer works", text: "It was already used or has expired. Open Tributary again from your product to get a new one, or sign in with your password." },
  unknown: { title: "This sign-in link is not valid", text: "Check that the whole link was copied, or open Tributary again from your product to get a new one." },
};

export default async function LoginPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const params = await searchParams;
  const portal = typeof params.portal === "string" ? PORTAL_NOTICES[params.portal] : undefined;
  if (!portal && !(await hasAnyUser(db()))) redirect("/setup");
  if (!portal && (await currentUser())) redirect("/");
  return (
    <AuthCard title="Sign in" subtitle="Use the email and password of your Tributary account.">
      {portal && (
        <div className="mb-4">
          <Alert tone="warning" title={portal.title}>
            {portal.text}
          </Alert>
        </div>
      )}
      <LoginForm callbackUrl={safeCallbackPath(params.callbackUrl, getConfig().appUrl)} />
    </AuthCard>
  );
}
