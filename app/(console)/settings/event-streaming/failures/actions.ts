"use server";

import { runAction } from "@/lib/api/action-result";
import { requireAdminPrincipal } from "@/lib/auth/require-admin";
import { pgPool } from "@/lib/db/pool";
import { loadFailureDetail } from "@/lib/failures/failure-detail";
import { listFailures, parseFailuresQuery } from "@/lib/failures/list-failures";

export async function listFailuresAction(params: Record<string, string | undefined>) {
  return runAction("listFailures", async () => {
    const admin = await requireAdminPrincipal();
    return listFailures(pgPool(), admin.organizationId, parseFailuresQuery(params));
  });
}

export async function failureDetailAction(id: string) {
  return runAction("failureDetail", async () => {
    const admin = await requireAdminPrincipal();
    return { detail: await loadFailureDetail(pgPool(), admin.organizationId, id) };
  });
}
