"use server";

import { revalidatePath } from "next/cache";
import { runAction } from "@/lib/api/action-result";
import { requireAdminPrincipal } from "@/lib/auth/require-admin";
import { issueToken, revokeToken } from "@/lib/auth/token-service";
import { db } from "@/lib/db/client";
import { log } from "@/lib/log";

export async function createTokenAction(input: { name: string; scope: string }) {
  return runAction("createApiToken", async () => {
    const admin = await requireAdminPrincipal();
    const created = await issueToken(db(), admin, input);
    log().info({ tokenId: created.id, scope: created.scope, userId: admin.user.id, event: "api_token_created" }, "API token created");
    revalidatePath("/settings/api-tokens");
    return { token: created.token };
  });
}

export async function revokeTokenAction(id: string) {
  return runAction("revokeApiToken", async () => {
    const admin = await requireAdminPrincipal();
    await revokeToken(db(), admin, id);
    log().info({ tokenId: id, userId: admin.user.id, event: "api_token_revoked" }, "API token revoked");
    revalidatePath("/settings/api-tokens");
    return {};
  });
}
