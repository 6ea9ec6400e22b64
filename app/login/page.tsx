import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { AuthCard } from "@/components/auth/auth-card";
import { LoginForm } from "@/components/auth/login-form";
import { hasAnyUser } from "@/lib/auth/accounts";
import { currentUser } from "@/lib/auth/session";
import { db } from "@/lib/db/client";

export const metadata: Metadata = { title: "Sign in" };

// Only same-site paths are followed after sign-in, never another origin.
function safeCallback(value: string | string[] | undefined): string {
  const v = Array.isArray(value) ? value[0] : value;
  return v && v.startsWith("/") && !v.startsWith("//") ? v : "/";
}

export default async function LoginPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  if (!(await hasAnyUser(db()))) redirect("/setup");
  if (await currentUser()) redirect("/");
  const params = await searchParams;
  return (
    <AuthCard title="Sign in" subtitle="Use the email and password of your Tributary account.">
      <LoginForm callbackUrl={safeCallback(params.callbackUrl)} />
    </AuthCard>
  );
}
