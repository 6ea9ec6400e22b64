"use server";

import { revalidatePath } from "next/cache";
import { runAction } from "@/lib/api/action-result";
import { requireAdminPrincipal } from "@/lib/auth/require-admin";
import { serviceDeps } from "@/lib/connections/deps";
import {
  addHmacSecret,
  assertConnection,
  createConnection,
  deleteConnection,
  listConnectionHealth,
  retireHmacSecret,
  setEnabled,
  testConnection,
  updateConnection,
} from "@/lib/connections/service";
import { connectionStats, parseStatsQuery } from "@/lib/health/connection-stats";

const LIST = "/settings/event-streaming";

export async function createConnectionAction(input: unknown) {
  return runAction("createConnection", async () => {
    const created = await createConnection(serviceDeps(), await requireAdminPrincipal(), input);
    revalidatePath(LIST);
    return { id: created.connection.id, hmacSecret: created.hmacSecret, test: created.test };
  });
}

export async function updateConnectionAction(id: string, input: unknown) {
  return runAction("updateConnection", async () => {
    const updated = await updateConnection(serviceDeps(), await requireAdminPrincipal(), id, input);
    revalidatePath(LIST);
    return { hmacSecret: updated.hmacSecret, test: updated.test };
  });
}

export async function setEnabledAction(id: string, enabled: boolean) {
  return runAction("setEnabled", async () => {
    const connection = await setEnabled(serviceDeps(), await requireAdminPrincipal(), id, enabled);
    revalidatePath(LIST);
    return { enabled: connection.enabled };
  });
}

export async function deleteConnectionAction(id: string) {
  return runAction("deleteConnection", async () => {
    await deleteConnection(serviceDeps(), await requireAdminPrincipal(), id);
    revalidatePath(LIST);
    return {};
  });
}

export async function testConnectionAction(id: string) {
  return runAction("testConnection", async () => ({ test: await testConnection(serviceDeps(), await requireAdminPrincipal(), id) }));
}

export async function addHmacSecretAction(id: string) {
  return runAction("addHmacSecret", async () => {
    const created = await addHmacSecret(serviceDeps(), await requireAdminPrincipal(), id);
    revalidatePath(LIST);
    return { secret: created.secret, secretId: created.id };
  });
}

export async function retireHmacSecretAction(id: string, secretId: string) {
  return runAction("retireHmacSecret", async () => {
    await retireHmacSecret(serviceDeps(), await requireAdminPrincipal(), id, secretId);
    revalidatePath(LIST);
    return {};
  });
}

/** Every connection's health, for the pages that show it live. */
export async function connectionHealthAction() {
  return runAction("connectionHealth", async () => {
    const admin = await requireAdminPrincipal();
    return { health: await listConnectionHealth(serviceDeps(), admin.organizationId) };
  });
}

/** A connection's delivery chart over `window` (1h, 24h or 7d). */
export async function connectionStatsAction(id: string, window: string) {
  return runAction("connectionStats", async () => {
    const admin = await requireAdminPrincipal();
    const deps = serviceDeps();
    await assertConnection(deps, admin.organizationId, id);
    return { stats: await connectionStats(deps.pool, admin.organizationId, id, parseStatsQuery({ window })) };
  });
}
