"use client";

import { zodResolver } from "@hookform/resolvers/zod";
import { useForm } from "react-hook-form";
import { formDefaults } from "@/lib/connections/presets";
import { type ConnectionFormValues, editConnectionFormSchema, newConnectionFormSchema } from "@/lib/connections/schemas";

/** The connection form's react-hook-form instance, typed by its schema (values in, the API's shape out). */
export function useConnectionForm(mode: "create" | "edit", initial?: ConnectionFormValues) {
  return useForm({
    resolver: zodResolver(mode === "create" ? newConnectionFormSchema : editConnectionFormSchema),
    defaultValues: initial ?? formDefaults(),
  });
}

export type ConnectionFormApi = ReturnType<typeof useConnectionForm>;
