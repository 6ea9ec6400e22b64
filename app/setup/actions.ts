"use server";

import { headers } from "next/headers";
import { requestMeta } from "@/lib/api/request-meta";
import { setUpFromFirstRunPage } from "@/lib/auth/accounts";
import type { FirstRunFormInput } from "@/lib/auth/schemas";
import { getConfig } from "@/lib/config";
import { db } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import { log } from "@/lib/log";

export type SetupResult = { ok: true } | { ok: false; message: string; fields?: { path: string; message: string }[] };

export async function setupAction(input: FirstRunFormInput): Promise<SetupResult> {
  try {
    const created = await setUpFromFirstRunPage(db(), getConfig(), input, requestMeta(await headers()).ipAddress);
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
