import type { Metadata } from "next";
import Link from "next/link";
import { deliverySummary } from "@/components/connections/delivery-summary";
import { EnabledToggle } from "@/components/connections/enabled-toggle";
import { StatusBadge } from "@/components/connections/status-badge";
import { LiveHealthBadge, LiveHealthLine, LiveHealthProvider } from "@/components/health/live-health";
import { Alert } from "@/components/ui/alert";
import { buttonClass } from "@/components/ui/button";
import { PageHeader } from "@/components/ui/page-header";
import { ReadOnlyNotice } from "@/components/layout/read-only-notice";
import { canChange, settingsPageReader } from "@/lib/auth/require-admin";
import { serviceDeps } from "@/lib/connections/deps";
import { catchUpPreview, listConnections } from "@/lib/connections/service";
import { catchUpConfirm } from "@/components/connections/catch-up-confirm";
import { connectionHealthAction, setEnabledAction } from "./actions";
import { TableHead } from "@/components/ui/table-head";

export const metadata: Metadata = { title: "Event Streaming" };

const AUTH_LABEL = { NONE: "None", API_KEY: "API Key", HMAC: "HMAC" } as const;
const date = (iso: string) => new Date(iso).toLocaleDateString(undefined, { year: "numeric", month: "short", day: "numeric" });
const host = (url: string) => {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
};

export default async function EventStreamingPage() {
  const user = await settingsPageReader();
  // Members see the same list without the add button and the switches.
  const admin = canChange(user);
  const deps = serviceDeps();
  const connections = await listConnections(deps, user.organizationId);
  const limit = deps.config.maxConnectionsPerOrg;
  const atLimit = connections.length >= limit;
  // Switching a paused connection on may skip events its destination no longer takes: ask first, as its page does
  // (members get no switch, so nothing to ask).
  const confirms = new Map(
    await Promise.all(
      connections
        .filter((c) => admin && !c.enabled && c.max_event_age_seconds !== null)
        .map(async (c) => [c.id, await catchUpPreview(deps, user.organizationId, c.id)] as const),
    ),
  );
  const confirmEnable = (id: string) => catchUpConfirm(confirms.get(id));
  const renderedAt = Date.now();

  const addButton = !admin ? null : atLimit ? (
    <div className="flex flex-col items-end gap-1">
      <button type="button" disabled aria-describedby="limit-note" className={buttonClass("primary")}>
        + Event Streaming Connection
      </button>
      <p id="limit-note" className="text-xs text-slate-600">
        You have {limit} of {limit} connections. Delete one to add another.
      </p>
    </div>
  ) : (
    <Link href="/settings/event-streaming/new" className={buttonClass("primary")}>
      + Event Streaming Connection
    </Link>
  );

  return (
    <div className="space-y-6">
      <PageHeader
        title="Event Streaming"
        description="Stream your organization's audit events, in near real time, to a SIEM or log destination such as Datadog, Sumo Logic or RunReveal."
        actions={
          connections.length > 0 ? (
            <>
              <Link href="/settings/event-streaming/failures" className={buttonClass("secondary")}>
                Failed deliveries
              </Link>
              {addButton}
            </>
          ) : undefined
        }
      />
      {!admin && <ReadOnlyNotice />}

      {connections.length === 0 ? (
        <section className="rounded-xl border border-dashed border-slate-300 bg-white px-6 py-12 text-center">
          <h2 className="text-base font-semibold text-slate-900">No event streaming connections yet</h2>
          <p className="mx-auto mt-2 max-w-lg text-sm text-slate-600">
            A connection sends every audit event as a signed HTTPS <code>POST</code> to a URL you choose. Tributary tests the
            destination before saving it, retries failed deliveries and emails admins when deliveries fail.{" "}
            {admin ? `You can add up to ${limit}.` : "Your organization's admins can add one."}
          </p>
          {addButton && <div className="mt-6 flex justify-center">{addButton}</div>}
        </section>
      ) : (
        <LiveHealthProvider initial={Object.fromEntries(connections.map((c) => [c.id, c.health]))} renderedAt={renderedAt} action={connectionHealthAction}>
          <ul className="space-y-3 md:hidden" aria-label="Connections">
            {connections.map((c) => (
              <li key={c.id} data-testid="connection-card" className="rounded-xl bg-white p-4 ring-1 ring-slate-200">
                <div className="flex items-start justify-between gap-3">
                  <div className="min-w-0">
                    <Link href={`/settings/event-streaming/${c.id}`} className="font-medium text-indigo-700 hover:underline">
                      {c.name}
                    </Link>
                    <p className="truncate font-mono text-xs text-slate-600">{host(c.url)}</p>
                    <p className="text-xs text-slate-500">{deliverySummary(c)}</p>
                  </div>
                  {admin && <EnabledToggle id={c.id} name={c.name} enabled={c.enabled} action={setEnabledAction} confirmEnable={confirmEnable(c.id)} />}
                </div>
                <div className="mt-3 flex flex-wrap items-center gap-x-3 gap-y-1 text-xs text-slate-600">
                  <StatusBadge connection={c} />
                  <LiveHealthBadge id={c.id} initial={c.health} />
                  <span>{AUTH_LABEL[c.auth.type]}</span>
                  <span>
                    Created {date(c.created_at)}
                    {c.created_by ? ` by ${c.created_by.name}` : ""}
                  </span>
                </div>
                <div className="mt-2">
                  <LiveHealthLine id={c.id} initial={c.health} />
                </div>
              </li>
            ))}
          </ul>
          <div className="relative hidden overflow-x-auto rounded-xl bg-white ring-1 ring-slate-200 md:block">
            <table className="min-w-full divide-y divide-slate-200 text-sm">
              <TableHead columns={["Name", "Status", "Deliveries", "Created", ...(admin ? ["Enabled"] : [])]} />
              <tbody className="divide-y divide-slate-100">
                {connections.map((c) => (
                  <tr key={c.id} data-testid="connection-row">
                    <td className="px-4 py-3">
                      <Link href={`/settings/event-streaming/${c.id}`} className="font-medium text-indigo-700 hover:underline">
                        {c.name}
                      </Link>
                      <p className="break-words font-mono text-xs text-slate-600">{host(c.url)}</p>
                      <p className="text-xs text-slate-500">{deliverySummary(c)}</p>
                      <p className="text-xs text-slate-500">Authorization: {AUTH_LABEL[c.auth.type]}</p>
                    </td>
                    <td className="px-4 py-3">
                      <div className="flex flex-wrap gap-1.5">
                        <StatusBadge connection={c} />
                        <LiveHealthBadge id={c.id} initial={c.health} />
                      </div>
                      {c.disabled_reason === "AUTO" && (
                        <p className="mt-1 text-xs text-red-700">High failure rate{c.disabled_by ? "" : " (automatic)"}</p>
                      )}
                      {c.disabled_reason === "MANUAL" && c.disabled_by && <p className="mt-1 text-xs text-slate-500">by {c.disabled_by.name}</p>}
                    </td>
                    <td className="px-4 py-3">
                      <LiveHealthLine id={c.id} initial={c.health} />
                    </td>
                    <td className="whitespace-nowrap px-4 py-3 text-slate-600">
                      {date(c.created_at)}
                      {c.created_by && <span className="block text-xs text-slate-500">by {c.created_by.name}</span>}
                    </td>
                    {admin && (
                      <td className="px-4 py-3">
                        <EnabledToggle id={c.id} name={c.name} enabled={c.enabled} action={setEnabledAction} confirmEnable={confirmEnable(c.id)} />
                      </td>
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Alert tone="info">
            Disabling a connection pauses streaming. Re-enabled within 7 days, it delivers the events it missed; disabled for 7+ days, it
            resumes from the latest events.
          </Alert>
        </LiveHealthProvider>
      )}
    </div>
  );
}
