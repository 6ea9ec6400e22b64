"use server";

import { createFirstAdmin } from "@/lib/auth/accounts";
import type { FirstRunInput } from "@/lib/auth/schemas";
import { db } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import { log } from "@/lib/log";

export type SetupResult = { ok: true } | { ok: false; message: string; fields?: { path: string; message: string }[] };

export async function setupAction(input: FirstRunInput): Promise<SetupResult> {
  try {
    const created = await createFirstAdmin(db(), input);
    log().info({ userId: created.userId, event: "first_admin_created" }, "first admin created");
    return { ok: true };
  } catch (err) {
    if (err instanceof AppError) {
      return { ok: false, message: err.message, fields: err.code === "VALIDATION_FAILED" ? (err.details as never) : undefined };
    }
    log().error({ err }, "first-run setup failed");
    return { ok: false, message: "Set-up failed on our side. It was logged; try again." };
  }
}
