import type { Metadata } from "next";
import { NewConnection } from "@/components/connections/connection-editors";
import { Alert } from "@/components/ui/alert";
import { EventStreamingBreadcrumb } from "@/components/ui/breadcrumb";
import { PageHeader } from "@/components/ui/page-header";
import { AdminsOnly } from "@/components/layout/admins-only";
import { settingsPageUser } from "@/lib/auth/require-admin";
import { serviceDeps } from "@/lib/connections/deps";
import { countConnections, eventTypeChoices } from "@/lib/connections/service";
import { createConnectionAction } from "../actions";

export const metadata: Metadata = { title: "New event streaming connection" };

export default async function NewConnectionPage() {
  const user = await settingsPageUser();
  if (!user) return <AdminsOnly />;
  const deps = serviceDeps();
  const [count, eventTypes] = await Promise.all([countConnections(deps, user.organizationId), eventTypeChoices(deps, user.organizationId)]);
  const limit = deps.config.maxConnectionsPerOrg;
  return (
    <div className="max-w-3xl space-y-6">
      <EventStreamingBreadcrumb current="New connection" />
      <PageHeader
        title="Add Event Streaming Connection"
        description="Choose a destination, then Tributary sends a test event and saves the connection once the destination accepts it."
      />
      {count >= limit ? (
        <Alert tone="warning" title="Connection limit reached">
          You have {limit} of {limit} connections. Delete one on the Event Streaming page to add another.
        </Alert>
      ) : (
        <NewConnection createAction={createConnectionAction} eventTypes={eventTypes} />
      )}
    </div>
  );
}
