"use server";

import { revalidatePath } from "next/cache";
import { createApiToken, revokeApiToken } from "@/lib/auth/api-tokens";
import { apiTokenNameSchema } from "@/lib/auth/schemas";
import { currentUser } from "@/lib/auth/session";
import { db } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import { log } from "@/lib/log";

export type TokenActionResult =
  | { ok: true; token?: string }
  | { ok: false; message: string };

async function requireAdmin() {
  const user = await currentUser();
  if (!user) throw new AppError("UNAUTHENTICATED", "Your session ended. Sign in again.");
  if (user.role !== "ADMIN") throw new AppError("FORBIDDEN", "Only admins can manage API tokens.");
  return user;
}

export async function createTokenAction(input: { name: string }): Promise<TokenActionResult> {
  try {
    const user = await requireAdmin();
    const parsed = apiTokenNameSchema.safeParse(input);
    if (!parsed.success) return { ok: false, message: parsed.error.issues[0]?.message ?? "Check the name." };
    const created = await createApiToken(db(), { organizationId: user.organizationId, userId: user.id, name: parsed.data.name });
    log().info({ tokenId: created.id, userId: user.id, event: "api_token_created" }, "API token created");
    revalidatePath("/settings/api-tokens");
    return { ok: true, token: created.token };
  } catch (err) {
    if (err instanceof AppError) return { ok: false, message: err.message };
    log().error({ err }, "creating an API token failed");
    return { ok: false, message: "Creating the token failed on our side. Try again." };
  }
}

export async function revokeTokenAction(id: string): Promise<TokenActionResult> {
  try {
    const user = await requireAdmin();
    await revokeApiToken(db(), user.organizationId, id);
    log().info({ tokenId: id, userId: user.id, event: "api_token_revoked" }, "API token revoked");
    revalidatePath("/settings/api-tokens");
    return { ok: true };
  } catch (err) {
    if (err instanceof AppError) return { ok: false, message: err.message };
    log().error({ err }, "revoking an API token failed");
    return { ok: false, message: "Revoking the token failed on our side. Try again." };
  }
}
