"use server";

import { revalidatePath } from "next/cache";
import { runAction } from "@/lib/api/action-result";
import { createApiToken, revokeApiToken } from "@/lib/auth/api-tokens";
import { requireAdminPrincipal } from "@/lib/auth/require-admin";
import { apiTokenNameSchema } from "@/lib/auth/schemas";
import { db } from "@/lib/db/client";
import { log } from "@/lib/log";
import { parseOrThrow } from "@/lib/validation";

export async function createTokenAction(input: { name: string }) {
  return runAction("createApiToken", async () => {
    const admin = await requireAdminPrincipal();
    const { name } = parseOrThrow(apiTokenNameSchema, input);
    const created = await createApiToken(db(), { organizationId: admin.organizationId, userId: admin.user.id, name });
    log().info({ tokenId: created.id, userId: admin.user.id, event: "api_token_created" }, "API token created");
    revalidatePath("/settings/api-tokens");
    return { token: created.token };
  });
}

export async function revokeTokenAction(id: string) {
  return runAction("revokeApiToken", async () => {
    const admin = await requireAdminPrincipal();
    await revokeApiToken(db(), admin.organizationId, id);
    log().info({ tokenId: id, userId: admin.user.id, event: "api_token_revoked" }, "API token revoked");
    revalidatePath("/settings/api-tokens");
    return {};
  });
}
