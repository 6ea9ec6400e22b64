"use client";

import { zodResolver } from "@hookform/resolvers/zod";
import { signIn } from "next-auth/react";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { useForm } from "react-hook-form";
import type { ActionResult } from "@/lib/api/action-result";
import { type AcceptInvitationInput, acceptInvitationSchema } from "@/lib/members/schemas";
import { Alert } from "../ui/alert";
import { Button } from "../ui/button";
import { TextField } from "../ui/field";

export function AcceptInvitationForm({
  token,
  email,
  name,
  action,
}: {
  token: string;
  email: string;
  name: string;
  action: (input: AcceptInvitationInput) => Promise<ActionResult<{ email: string }>>;
}) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const {
    register,
    handleSubmit,
    setError: setFieldError,
    formState: { errors, isSubmitting },
  } = useForm<AcceptInvitationInput>({ resolver: zodResolver(acceptInvitationSchema), defaultValues: { token, name, password: "", confirmPassword: "" } });

  const onSubmit = handleSubmit(async (values) => {
    setError(null);
    const result = await action(values);
    if (!result.ok) {
      setError(result.message);
      for (const f of result.fields ?? []) setFieldError(f.path as keyof AcceptInvitationInput, { message: f.message });
      return;
    }
    const signedIn = await signIn("credentials", { email: result.email, password: values.password, redirect: false });
    router.replace(signedIn?.ok ? "/settings/event-streaming" : "/login");
    router.refresh();
  });

  return (
    <form onSubmit={onSubmit} noValidate className="space-y-4">
      {error && <Alert tone="error">{error}</Alert>}
      <input type="hidden" {...register("token")} />
      <TextField label="Email" type="email" value={email} readOnly autoComplete="username" hint="Your organization invited this address." />
      <TextField label="Your name" autoComplete="name" autoFocus error={errors.name?.message} {...register("name")} />
      <TextField
        label="Password"
        type="password"
        autoComplete="new-password"
        hint="At least 12 characters."
        error={errors.password?.message}
        {...register("password")}
      />
      <TextField label="Confirm password" type="password" autoComplete="new-password" error={errors.confirmPassword?.message} {...register("confirmPassword")} />
      <Button type="submit" busy={isSubmitting} className="w-full">
        {isSubmitting ? "Joining…" : "Accept invitation"}
      </Button>
    </form>
  );
}
