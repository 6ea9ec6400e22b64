import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { AuthCard } from "@/components/auth/auth-card";
import { FirstRunForm } from "@/components/auth/first-run-form";
import { hasAnyUser } from "@/lib/auth/accounts";
import { db } from "@/lib/db/client";
import { setupAction } from "./actions";

export const metadata: Metadata = { title: "Set up Tributary" };

export default async function SetupPage() {
  if (await hasAnyUser(db())) redirect("/login");
  return (
    <AuthCard
      title="Welcome to Tributary"
      subtitle="Create your organization and its first admin. You can stream events and invite others once you are in."
    >
      <FirstRunForm action={setupAction} />
    </AuthCard>
  );
}
