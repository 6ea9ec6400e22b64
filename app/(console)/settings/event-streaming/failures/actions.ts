"use server";

import { runAction } from "@/lib/api/action-result";
import { requireAdminPrincipal } from "@/lib/auth/require-admin";
import { pgPool } from "@/lib/db/pool";
import { loadFailureDetail } from "@/lib/failures/failure-detail";
import { listFailureGroups, listFailures, parseFailuresQuery } from "@/lib/failures/list-failures";
import { cancelRedelivery, listRedeliveries, loadRedelivery, parseRedeliveryRequest, requestRedelivery } from "@/lib/failures/redelivery";
import { jobSender } from "@/lib/jobs/boss";

export async function listFailuresAction(params: Record<string, string | undefined>) {
  return runAction("listFailures", async () => {
    const admin = await requireAdminPrincipal();
    return listFailures(pgPool(), admin.organizationId, parseFailuresQuery(params));
  });
}

/** Failed deliveries grouped by (connection, event): the page's rows. */
export async function listFailureGroupsAction(params: Record<string, string | undefined>) {
  return runAction("listFailureGroups", async () => {
    const admin = await requireAdminPrincipal();
    return listFailureGroups(pgPool(), admin.organizationId, parseFailuresQuery(params));
  });
}

export async function failureDetailAction(id: string) {
  return runAction("failureDetail", async () => {
    const admin = await requireAdminPrincipal();
    return { detail: await loadFailureDetail(pgPool(), admin.organizationId, id) };
  });
}

export async function redeliverAction(input: unknown) {
  return runAction("redeliver", async () => {
    const admin = await requireAdminPrincipal();
    return { redelivery: await requestRedelivery(pgPool(), jobSender(), admin, parseRedeliveryRequest(input)) };
  });
}

/** The latest redeliveries with the reasons their events failed or were skipped. */
export async function listRedeliveriesAction() {
  return runAction("listRedeliveries", async () => {
    const admin = await requireAdminPrincipal();
    const latest = await listRedeliveries(pgPool(), admin.organizationId, 5);
    return { data: await Promise.all(latest.map((r) => loadRedelivery(pgPool(), admin.organizationId, r.id))) };
  });
}

export async function cancelRedeliveryAction(id: string) {
  return runAction("cancelRedelivery", async () => {
    const admin = await requireAdminPrincipal();
    return { redelivery: await cancelRedelivery(pgPool(), admin, id) };
  });
}
