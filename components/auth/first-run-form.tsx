"use client";

import { zodResolver } from "@hookform/resolvers/zod";
import { signIn } from "next-auth/react";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { useForm } from "react-hook-form";
import { firstRunFormSchema, type FirstRunFormInput } from "@/lib/auth/schemas";
import { Alert } from "../ui/alert";
import { Button } from "../ui/button";
import { TextField } from "../ui/field";

type Result = { ok: true } | { ok: false; message: string; fields?: { path: string; message: string }[] };

export function FirstRunForm({ action }: { action: (input: FirstRunFormInput) => Promise<Result> }) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const {
    register,
    handleSubmit,
    setError: setFieldError,
    formState: { errors, isSubmitting },
  } = useForm<FirstRunFormInput>({ resolver: zodResolver(firstRunFormSchema) });

  const onSubmit = handleSubmit(async (values) => {
    setError(null);
    const result = await action(values);
    if (!result.ok) {
      setError(result.message);
      for (const f of result.fields ?? []) setFieldError(f.path as keyof FirstRunFormInput, { message: f.message });
      return;
    }
    const signedIn = await signIn("credentials", { email: values.email, password: values.password, redirect: false });
    router.replace(signedIn?.ok ? "/settings/event-streaming" : "/login");
    router.refresh();
  });

  return (
    <form onSubmit={onSubmit} noValidate className="space-y-4">
      {error && <Alert tone="error">{error}</Alert>}
      <TextField
        label="Setup token"
        autoFocus
        autoComplete="off"
        spellCheck={false}
        hint="Printed in Tributary's start log on a new installation (or the SETUP_TOKEN your operator set). It proves you run this server."
        error={errors.setupToken?.message}
        {...register("setupToken")}
      />
      <TextField label="Organization name" autoComplete="organization" error={errors.organizationName?.message} {...register("organizationName")} />
      <TextField label="Your name" autoComplete="name" error={errors.name?.message} {...register("name")} />
      <TextField label="Email" type="email" autoComplete="email" error={errors.email?.message} {...register("email")} />
      <TextField
        label="Password"
        type="password"
        autoComplete="new-password"
        hint="At least 12 characters."
        error={errors.password?.message}
        {...register("password")}
      />
      <TextField
        label="Confirm password"
        type="password"
        autoComplete="new-password"
        error={errors.confirmPassword?.message}
        {...register("confirmPassword")}
      />
      <Button type="submit" busy={isSubmitting} className="w-full">
        {isSubmitting ? "Creating your account…" : "Create admin account"}
      </Button>
    </form>
  );
}
