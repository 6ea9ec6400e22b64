import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { AuthCard } from "@/components/auth/auth-card";
import { LoginForm } from "@/components/auth/login-form";
import { hasAnyUser } from "@/lib/auth/accounts";
import { safeCallbackPath } from "@/lib/auth/safe-callback";
import { currentUser } from "@/lib/auth/session";
import { getConfig } from "@/lib/config";
import { db } from "@/lib/db/client";

export const metadata: Metadata = { title: "Sign in" };

export default async function LoginPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  if (!(await hasAnyUser(db()))) redirect("/setup");
  if (await currentUser()) redirect("/");
  const params = await searchParams;
  return (
    <AuthCard title="Sign in" subtitle="Use the email and password of your Tributary account.">
      <LoginForm callbackUrl={safeCallbackPath(params.callbackUrl, getConfig().appUrl)} />
    </AuthCard>
  );
}
