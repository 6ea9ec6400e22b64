import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { DeleteConnectionButton, HmacSecretsPanel, SendTestButton } from "@/components/connections/connection-actions";
import { EditConnection } from "@/components/connections/connection-editors";
import { EnabledToggle } from "@/components/connections/enabled-toggle";
import { StatusBadge } from "@/components/connections/status-badge";
import { DeliveryCharts } from "@/components/health/delivery-charts";
import { LiveHealthBadge, LiveHealthFacts, LiveHealthProvider } from "@/components/health/live-health";
import { Alert } from "@/components/ui/alert";
import { EventStreamingBreadcrumb } from "@/components/ui/breadcrumb";
import { ConnectionSummary } from "@/components/connections/connection-summary";
import { ReadOnlyNotice } from "@/components/layout/read-only-notice";
import { canChange, settingsPageReader } from "@/lib/auth/require-admin";
import { serviceDeps } from "@/lib/connections/deps";
import { catchUpPreview, eventTypeChoices, getConnection } from "@/lib/connections/service";
import { ageText } from "@/lib/connections/age-text";
import { catchUpConfirm } from "@/components/connections/catch-up-confirm";
import { connectionFormValues } from "@/lib/connections/form-values";
import { AppError } from "@/lib/errors";
import { connectionStats, STATS_WINDOWS, type StatsWindow } from "@/lib/health/connection-stats";
import {
  addHmacSecretAction,
  connectionHealthAction,
  connectionStatsAction,
  deleteConnectionAction,
  retireHmacSecretAction,
  setEnabledAction,
  testConnectionAction,
  updateConnectionAction,
} from "../actions";

export const metadata: Metadata = { title: "Event streaming connection" };

function Section({ title, description, children }: { title: string; description?: string; children: React.ReactNode }) {
  return (
    <section className="rounded-xl bg-white p-6 ring-1 ring-slate-200">
      <h2 className="text-base font-semibold text-slate-900">{title}</h2>
      {description && <p className="mt-1 text-sm text-slate-600">{description}</p>}
      <div className="mt-4">{children}</div>
    </section>
  );
}

export default async function ConnectionPage({
  params,
  searchParams,
}: {
  params: Promise<{ id: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const user = await settingsPageReader();
  // Members read the same page (health and charts included) without test, edit, toggle, rotate or delete controls.
  const admin = canChange(user);
  const { id } = await params;
  const asked = (await searchParams).window;
  const window: StatsWindow = typeof asked === "string" && asked in STATS_WINDOWS ? (asked as StatsWindow) : "24h";
  const deps = serviceDeps();
  let connection;
  try {
    connection = await getConnection(deps, user.organizationId, id);
  } catch (err) {
    if (err instanceof AppError && err.code === "NOT_FOUND") notFound();
    throw err;
  }
  const c = connection;
  const details = c.disabled_details as { summary?: string } | null;
  const [eventTypes, preview, stats] = await Promise.all([
    // Only the admins' edit form offers the event types.
    admin ? eventTypeChoices(deps, user.organizationId) : Promise.resolve([]),
    catchUpPreview(deps, user.organizationId, c.id),
    connectionStats(deps.pool, user.organizationId, c.id, window),
  ]);
  const renderedAt = Date.now();
  const skip = c.catch_up_skip;
  const confirm = catchUpConfirm(preview);

  return (
    <LiveHealthProvider initial={{ [c.id]: c.health }} renderedAt={renderedAt} action={connectionHealthAction}>
    <div className="max-w-3xl space-y-6">
      <EventStreamingBreadcrumb current={c.name} />
      <div className="flex flex-wrap items-start justify-between gap-4 border-b border-slate-200 pb-5">
        <div>
          <h1 className="text-2xl font-semibold tracking-tight text-slate-900">{c.name}</h1>
          <p className="mt-1 break-all font-mono text-xs text-slate-600">{c.url}</p>
        </div>
        <div className="flex flex-wrap items-center gap-3">
          <StatusBadge connection={c} />
          <LiveHealthBadge id={c.id} initial={c.health} />
          {admin && (
            <>
              <span className="text-sm text-slate-700">Connection Enabled</span>
              <EnabledToggle
                id={c.id}
                name={c.name}
                enabled={c.enabled}
                action={setEnabledAction}
                confirmEnable={confirm}
              />
            </>
          )}
        </div>
      </div>
      {!admin && <ReadOnlyNotice />}

      {c.disabled_reason === "AUTO" && (
        <Alert tone="error" title="Auto-disabled because of an abnormally high failure rate">
          <p>
            {details?.summary ?? "Deliveries kept failing."} Fix the destination, send a test event, then switch the connection back on: it
            delivers the events it missed.
          </p>
          <p className="mt-1">
            Events that were rejected or given up on can be sent again from{" "}
            <Link href={`/settings/event-streaming/failures?connection_id=${c.id}`} className="font-medium underline">
              Failed deliveries
            </Link>
            .
          </p>
        </Alert>
      )}
      {!c.enabled && (
        <Alert tone="info">
          Streaming is paused{c.disabled_at ? ` since ${new Date(c.disabled_at).toLocaleString()}` : ""}
          {c.disabled_by ? ` (disabled by ${c.disabled_by.name})` : ""}. Re-enabled within 7 days, it delivers the events it missed;
          disabled for 7+ days, it resumes from the latest events.
        </Alert>
      )}

      {confirm && (
        <Alert tone="warning" title="Events older than this destination accepts are waiting">
          {confirm.message}
        </Alert>
      )}
      {skip && (
        <Alert tone="info" title="Skipped when last re-enabled">
          On {new Date(skip.skipped_at).toLocaleString()}, {skip.events.toLocaleString("en-US")} event{skip.events === 1 ? " was" : "s were"} skipped
          {skip.oldest_event_at && skip.newest_event_at
            ? `, stored from ${new Date(skip.oldest_event_at).toLocaleString()} to ${new Date(skip.newest_event_at).toLocaleString()}`
            : ""}
          : older than {ageText(skip.max_event_age_seconds)}, which this destination does not accept. They are listed as given up under{" "}
          <Link href={`/settings/event-streaming/failures?connection_id=${c.id}`} className="font-medium underline">
            Failed deliveries
          </Link>
          . Redelivery skips them while the catch-up limit is set; clear it below to send them anyway.
        </Alert>
      )}

      <p className="text-sm">
        <Link href={`/settings/event-streaming/failures?connection_id=${c.id}`} className="font-medium text-indigo-700 hover:underline">
          Failed deliveries of this connection →
        </Link>
      </p>

      <Section title="Health" description="Kept up to date by the workers as they deliver; refreshed every few seconds while this page is open.">
        <LiveHealthFacts id={c.id} initial={c.health} />
      </Section>

      <Section title="Deliveries" description="Events delivered and failed attempts per interval, with the destination's response time, from the per-minute statistics.">
        <DeliveryCharts id={c.id} initial={stats} action={connectionStatsAction} />
      </Section>

      {admin ? (
        <>
          <Section title="Test" description="Send the test event to this destination now, signed and authorized like every streamed event.">
            <SendTestButton id={c.id} action={testConnectionAction} />
          </Section>

          <Section title="Settings" description="Changing the URL, authorization or format sends a test event first; the change is saved only if it succeeds.">
            <EditConnection
              id={c.id}
              initial={connectionFormValues(c)}
              valueHints={c.auth.keys.map((k) => k.value_hint)}
              eventTypes={eventTypes}
              updateAction={updateConnectionAction}
            />
          </Section>

          {c.auth.type === "HMAC" && (
            <Section
              title="HMAC secrets"
              description="Each request carries one X-Opal-Signature per active secret, comma delimited. At most two can be active."
            >
              <HmacSecretsPanel id={c.id} secrets={c.auth.hmac_secrets} addAction={addHmacSecretAction} retireAction={retireHmacSecretAction} />
            </Section>
          )}

          <Section title="Delete" description="Stops streaming to this destination and deletes its settings and secrets.">
            <DeleteConnectionButton id={c.id} name={c.name} action={deleteConnectionAction} />
          </Section>
        </>
      ) : (
        <Section title="Settings" description="How events reach this destination. Only admins can change them.">
          <ConnectionSummary connection={c} />
        </Section>
      )}
    </div>
    </LiveHealthProvider>
  );
}
