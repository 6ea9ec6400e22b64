import type { Metadata } from "next";
import { FailuresBrowser } from "@/components/failures/failures-browser";
import { EventStreamingBreadcrumb } from "@/components/ui/breadcrumb";
import { PageHeader } from "@/components/ui/page-header";
import { AdminsOnly } from "@/components/layout/admins-only";
import { settingsPageUser } from "@/lib/auth/require-admin";
import { serviceDeps } from "@/lib/connections/deps";
import { connectionNames } from "@/lib/connections/service";
import {
  cancelRedeliveryAction,
  failureDetailAction,
  listFailureGroupsAction,
  listFailuresAction,
  listRedeliveriesAction,
  redeliverAction,
} from "./actions";

export const metadata: Metadata = { title: "Failed deliveries" };

export default async function FailuresPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const user = await settingsPageUser();
  if (!user) return <AdminsOnly />;
  const params = await searchParams;
  const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v) ?? "";
  const connections = await connectionNames(serviceDeps(), user.organizationId);
  return (
    <div className="space-y-6">
      <EventStreamingBreadcrumb current="Failed deliveries" />
      <PageHeader
        title="Failed deliveries"
        description="Failed deliveries of the last 30 days, one row per event and connection, the latest attempted first; open a row for every attempt. Retryable failures are retried automatically; the outcome shows what happened next. Events that were given up or rejected can be redelivered."
      />
      <FailuresBrowser
        connections={connections}
        initialFilters={{
          connection_id: first(params.connection_id),
          status_class: first(params.status_class),
          event_type: first(params.event_type),
          range: first(params.range) || "30d",
        }}
        listAction={listFailureGroupsAction}
        attemptsAction={listFailuresAction}
        detailAction={failureDetailAction}
        redeliverAction={redeliverAction}
        listRedeliveriesAction={listRedeliveriesAction}
        cancelRedeliveryAction={cancelRedeliveryAction}
      />
    </div>
  );
}
