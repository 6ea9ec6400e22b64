"use client";

import { useInfiniteQuery, useQuery, useQueryClient } from "@tanstack/react-query";
import { usePathname, useRouter } from "next/navigation";
import { Fragment, useState } from "react";
import type { ActionResult } from "@/lib/api/action-result";
import type { FailureDetail } from "@/lib/failures/failure-detail";
import type { FailureDto } from "@/lib/failures/list-failures";
import type { RedeliveryDto, RedeliveryWithProblems } from "@/lib/failures/redelivery";
import { Alert } from "../ui/alert";
import { Button } from "../ui/button";
import { ConfirmDialog } from "../ui/confirm-dialog";
import { SelectField } from "../ui/field";
import { TableHead } from "../ui/table-head";
import { RedeliveriesPanel, REDELIVERIES_KEY } from "./redeliveries-panel";

type Filters = { connection_id: string; status_class: string; event_type: string; range: string };
type Page = { data: FailureDto[]; next_cursor: string | null };

const RANGES: Record<string, { label: string; hours: number }> = {
  "24h": { label: "Last 24 hours", hours: 24 },
  "7d": { label: "Last 7 days", hours: 7 * 24 },
  "30d": { label: "Last 30 days", hours: 30 * 24 },
};

const OUTCOMES: Record<FailureDto["outcome"], { label: string; className: string }> = {
  RETRYING: { label: "Retrying", className: "bg-amber-50 text-amber-900 ring-amber-600/20" },
  DELIVERED_LATER: { label: "Delivered later", className: "bg-emerald-50 text-emerald-800 ring-emerald-600/20" },
  GIVEN_UP: { label: "Given up", className: "bg-red-50 text-red-800 ring-red-600/20" },
  REJECTED: { label: "Rejected", className: "bg-red-50 text-red-800 ring-red-600/20" },
  REDELIVERED: { label: "Redelivered", className: "bg-sky-50 text-sky-800 ring-sky-600/20" },
};

function unwrap<T extends object>(r: ActionResult<T>): T {
  if (!r.ok) throw new Error(r.message);
  return r;
}

type RedeliverAction = (input: unknown) => Promise<ActionResult<{ redelivery: RedeliveryDto }>>;

export function FailuresBrowser({
  connections,
  initialFilters,
  listAction,
  detailAction,
  redeliverAction,
  listRedeliveriesAction,
  cancelRedeliveryAction,
}: {
  connections: { id: string; name: string }[];
  initialFilters: Filters;
  listAction: (params: Record<string, string | undefined>) => Promise<ActionResult<Page>>;
  detailAction: (id: string) => Promise<ActionResult<{ detail: FailureDetail }>>;
  redeliverAction: RedeliverAction;
  listRedeliveriesAction: () => Promise<ActionResult<{ data: RedeliveryWithProblems[] }>>;
  cancelRedeliveryAction: (id: string) => Promise<ActionResult<{ redelivery: RedeliveryDto }>>;
}) {
  const router = useRouter();
  const pathname = usePathname();
  const queryClient = useQueryClient();
  const [filters, setFilters] = useState<Filters>({ ...initialFilters, range: RANGES[initialFilters.range] ? initialFilters.range : "30d" });
  const [eventType, setEventType] = useState(initialFilters.event_type);
  const [open, setOpen] = useState<string | null>(null);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [confirmAll, setConfirmAll] = useState(false);
  const [pending, setPending] = useState<"selected" | "all" | string | null>(null);
  const [notice, setNotice] = useState<{ tone: "success" | "error"; text: string } | null>(null);

  const redeliver = async (input: unknown, what: typeof pending) => {
    setPending(what);
    let r: Awaited<ReturnType<RedeliverAction>>;
    try {
      r = await redeliverAction(input);
    } catch {
      r = { ok: false, code: "NETWORK", message: "Tributary could not be reached. Check your connection and try again." };
    } finally {
      setPending(null);
    }
    if (r.ok) {
      const { total, skipped } = r.redelivery;
      const sending = total - skipped;
      setNotice({
        tone: "success",
        text: `Redelivery started: ${sending} ${sending === 1 ? "event" : "events"} to send${skipped > 0 ? `, ${skipped} skipped` : ""}. Progress is shown under Redeliveries.`,
      });
      setSelected(new Set());
      void queryClient.invalidateQueries({ queryKey: REDELIVERIES_KEY });
    } else {
      setNotice({ tone: "error", text: r.message });
    }
  };

  const update = (next: Partial<Filters>) => {
    const merged = { ...filters, ...next };
    setFilters(merged);
    setOpen(null);
    setSelected(new Set());
    const qs = new URLSearchParams(Object.entries(merged).filter(([k, v]) => v && !(k === "range" && v === "30d")));
    router.replace(qs.size ? `${pathname}?${qs}` : pathname, { scroll: false });
  };

  const query = useInfiniteQuery({
    queryKey: ["failures", filters],
    initialPageParam: undefined as string | undefined,
    queryFn: async ({ pageParam }) =>
      unwrap(
        await listAction({
          connection_id: filters.connection_id || undefined,
          status_class: filters.status_class || undefined,
          event_type: filters.event_type || undefined,
          since: new Date(Date.now() - RANGES[filters.range]!.hours * 3600_000).toISOString(),
          cursor: pageParam,
        }),
      ),
    getNextPageParam: (last) => last.next_cursor ?? undefined,
    // Keeps the list fresh while the page is open.
    refetchInterval: 15_000,
  });
  const rows = query.data?.pages.flatMap((p) => p.data) ?? [];
  const selectable = rows.filter((f) => f.outcome !== "RETRYING");
  const allSelected = selectable.length > 0 && selectable.every((f) => selected.has(f.id));
  const toggle = (id: string) =>
    setSelected((prev) => {
      const next = new Set(prev);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  const filterCriteria = () => ({
    connection_id: filters.connection_id || undefined,
    status_class: filters.status_class || undefined,
    event_type: filters.event_type || undefined,
    since: new Date(Date.now() - RANGES[filters.range]!.hours * 3600_000).toISOString(),
  });
  const connectionName = connections.find((c) => c.id === filters.connection_id)?.name;

  return (
    <div className="space-y-4">
      <form
        className="grid gap-3 rounded-xl bg-white p-4 ring-1 ring-slate-200 sm:grid-cols-2 lg:grid-cols-4"
        onSubmit={(e) => {
          e.preventDefault();
          update({ event_type: eventType.trim().toUpperCase() });
        }}
        aria-label="Filters"
      >
        <SelectField id="f-connection" label="Connection" value={filters.connection_id} onChange={(e) => update({ connection_id: e.target.value })}>
          <option value="">All connections</option>
          {connections.map((c) => (
            <option key={c.id} value={c.id}>
              {c.name}
            </option>
          ))}
        </SelectField>
        <SelectField id="f-status" label="Status" value={filters.status_class} onChange={(e) => update({ status_class: e.target.value })}>
          <option value="">Any status</option>
          <option value="5xx">5xx server errors</option>
          <option value="4xx">4xx client errors</option>
          <option value="network">Timeouts and network errors</option>
        </SelectField>
        <SelectField id="f-range" label="Time range" value={filters.range} onChange={(e) => update({ range: e.target.value })}>
          {Object.entries(RANGES).map(([k, r]) => (
            <option key={k} value={k}>
              {r.label}
            </option>
          ))}
        </SelectField>
        <div>
          <label htmlFor="f-type" className="block text-sm font-medium text-slate-900">
            Event type
          </label>
          <div className="mt-1 flex gap-2">
            <input
              id="f-type"
              value={eventType}
              onChange={(e) => setEventType(e.target.value)}
              placeholder="USER_LOGGED_IN"
              className="block w-full rounded-md border-0 px-3 py-2 text-slate-900 shadow-sm ring-1 ring-inset ring-slate-300 focus:ring-2 focus:ring-inset focus:ring-indigo-600 sm:text-sm"
            />
            <Button type="submit" variant="secondary">
              Apply
            </Button>
          </div>
        </div>
      </form>

      <RedeliveriesPanel listAction={listRedeliveriesAction} cancelAction={cancelRedeliveryAction} connections={connections} />

      {notice && (
        <Alert tone={notice.tone} title={notice.tone === "error" ? "Could not start the redelivery" : undefined}>
          {notice.text}
        </Alert>
      )}

      {rows.length > 0 && (
        <div className="flex flex-wrap items-center justify-between gap-3" role="group" aria-label="Redeliver">
          <div className="flex flex-wrap items-center gap-3">
            <span className="text-sm text-slate-700" aria-live="polite">
              {selected.size === 0 ? "Select failures to redeliver them." : `${selected.size} selected`}
            </span>
            <Button
              variant="secondary"
              disabled={selected.size === 0}
              busy={pending === "selected"}
              onClick={() => void redeliver({ ids: [...selected] }, "selected")}
            >
              Redeliver selected
            </Button>
            {selected.size > 0 && (
              <Button variant="ghost" onClick={() => setSelected(new Set())}>
                Clear selection
              </Button>
            )}
          </div>
          <Button variant="secondary" busy={pending === "all"} onClick={() => setConfirmAll(true)}>
            Redeliver all matching…
          </Button>
        </div>
      )}
      <ConfirmDialog
        open={confirmAll}
        title="Redeliver everything that matches?"
        confirmLabel="Redeliver"
        tone="primary"
        busy={pending === "all"}
        onCancel={() => setConfirmAll(false)}
        onConfirm={async () => {
          await redeliver(filterCriteria(), "all");
          setConfirmAll(false);
        }}
      >
        <p>
          Every event that is still undelivered (given up or rejected) among the failures of{" "}
          <strong>{connectionName ?? "all connections"}</strong> in the <strong>{RANGES[filters.range]!.label.toLowerCase()}</strong>
          {filters.status_class ? (
            <>
              {" "}
              with <strong>{filters.status_class === "network" ? "timeouts and network errors" : `${filters.status_class} answers`}</strong>
            </>
          ) : null}
          {filters.event_type ? (
            <>
              {" "}
              of type <strong>{filters.event_type}</strong>
            </>
          ) : null}{" "}
          is sent once more, signed, in the background.
        </p>
        <p className="mt-2">Events delivered later or already redelivered are not sent again. Disabled connections are skipped.</p>
      </ConfirmDialog>

      {query.isError && <Alert tone="error" title="Could not load failed deliveries">{(query.error as Error).message}</Alert>}
      {query.isPending ? (
        <p role="status" className="rounded-xl bg-white p-6 text-sm text-slate-600 ring-1 ring-slate-200">
          Loading failed deliveries…
        </p>
      ) : rows.length === 0 && !query.isError ? (
        <div className="rounded-xl border border-dashed border-slate-300 bg-white px-6 py-10 text-center text-sm text-slate-600">
          No failed deliveries match these filters. Deliveries that failed and were retried appear here for 30 days.
        </div>
      ) : (
        <div className="relative overflow-x-auto rounded-xl bg-white ring-1 ring-slate-200">
          <table className="min-w-full divide-y divide-slate-200 text-sm">
            <TableHead
              columns={[
                {
                  key: "select",
                  content: (
                    <input
                      type="checkbox"
                      aria-label="Select every failure shown"
                      className="h-4 w-4 rounded border-slate-300 text-indigo-600 focus:ring-indigo-600"
                      checked={allSelected}
                      disabled={selectable.length === 0}
                      onChange={() => setSelected(allSelected ? new Set() : new Set(selectable.map((f) => f.id)))}
                    />
                  ),
                },
                "Time",
                "Connection",
                "Event",
                "Status or error",
                "Outcome",
                { hidden: "Details" },
              ]}
            />
            <tbody className="divide-y divide-slate-100">
              {rows.map((f) => (
                <Fragment key={f.id}>
                  <tr data-testid="failure-row" className={open === f.id ? "bg-indigo-50" : selected.has(f.id) ? "bg-slate-50" : undefined}>
                    <td className="px-4 py-3">
                      <input
                        type="checkbox"
                        aria-label={`Select the failure of ${f.event_type} at ${new Date(f.attempted_at).toLocaleString()}`}
                        title={f.outcome === "RETRYING" ? "Still being retried automatically" : undefined}
                        className="h-4 w-4 rounded border-slate-300 text-indigo-600 focus:ring-indigo-600 disabled:opacity-40"
                        disabled={f.outcome === "RETRYING"}
                        checked={selected.has(f.id)}
                        onChange={() => toggle(f.id)}
                      />
                    </td>
                    <td className="whitespace-nowrap px-4 py-3 text-slate-700">
                      <time dateTime={f.attempted_at} title={new Date(f.attempted_at).toLocaleString()}>
                        {new Date(f.attempted_at).toLocaleDateString()}
                        <span className="block text-xs text-slate-500">{new Date(f.attempted_at).toLocaleTimeString()}</span>
                      </time>
                    </td>
                    <td className="px-4 py-3 text-slate-900">{f.connection_name}</td>
                    <td className="px-4 py-3">
                      <p className="font-mono text-xs text-slate-900">{f.event_type}</p>
                      <p className="font-mono text-xs text-slate-500" title={f.event_id}>
                        {f.event_id.slice(0, 8)}…
                      </p>
                    </td>
                    <td className="max-w-xs px-4 py-3 text-slate-700">
                      <p className={f.status_code !== null ? "whitespace-nowrap" : undefined}>
                        {f.status_code !== null ? `HTTP ${f.status_code}` : (f.error ?? "Unknown error")}
                      </p>
                      <p className="whitespace-nowrap text-xs text-slate-500">
                        attempt {f.attempt} · {f.latency_ms} ms
                      </p>
                    </td>
                    <td className="px-4 py-3">
                      <span className={`inline-flex whitespace-nowrap rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset ${OUTCOMES[f.outcome].className}`}>
                        {OUTCOMES[f.outcome].label}
                      </span>
                    </td>
                    <td className="px-4 py-3 text-right">
                      <Button
                        variant="ghost"
                        aria-expanded={open === f.id}
                        aria-controls="failure-detail-panel"
                        onClick={() => setOpen(open === f.id ? null : f.id)}
                      >
                        {open === f.id ? "Hide" : "Details"}
                      </Button>
                    </td>
                  </tr>
                </Fragment>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {open && (
        <section id="failure-detail-panel" aria-label="Failed delivery details" className="rounded-xl bg-white p-4 ring-1 ring-indigo-200">
          <div className="mb-3 flex items-center justify-between">
            <h2 className="text-base font-semibold text-slate-900">Details</h2>
            <Button variant="ghost" onClick={() => setOpen(null)}>
              Close
            </Button>
          </div>
          <FailureDetailView id={open} action={detailAction} />
          <div className="mt-4 flex flex-wrap items-center gap-3 border-t border-slate-100 pt-4">
            {rows.find((f) => f.id === open)?.outcome === "RETRYING" ? (
              <p className="text-sm text-slate-600">This event is still being retried automatically; it can be redelivered once the stream settles it.</p>
            ) : (
              <>
                <Button busy={pending === open} onClick={() => void redeliver({ ids: [open] }, open)}>
                  Redeliver this event
                </Button>
                <p className="text-sm text-slate-600">Sends the event to this connection once more, signed like every streamed event.</p>
              </>
            )}
          </div>
        </section>
      )}
      {query.hasNextPage && (
        <Button variant="secondary" busy={query.isFetchingNextPage} onClick={() => void query.fetchNextPage()}>
          Load more
        </Button>
      )}
    </div>
  );
}

function FailureDetailView({ id, action }: { id: string; action: (id: string) => Promise<ActionResult<{ detail: FailureDetail }>> }) {
  const q = useQuery({ queryKey: ["failure", id], queryFn: async () => unwrap(await action(id)).detail });
  if (q.isPending) return <p role="status" className="text-sm text-slate-600">Loading details…</p>;
  if (q.isError) return <Alert tone="error">{(q.error as Error).message}</Alert>;
  const d = q.data;
  return (
    <div className="grid gap-4 lg:grid-cols-2" data-testid="failure-detail">
      <section>
        <h3 className="text-sm font-semibold text-slate-900">Request</h3>
        <p className="mt-1 break-all font-mono text-xs text-slate-700">POST {d.connection.url}</p>
        <dl className="mt-2 space-y-1 font-mono text-xs">
          {d.requestHeaders.map((h) => (
            <div key={h.name} className="flex gap-2">
              <dt className="text-slate-500">{h.name}:</dt>
              <dd className="break-all text-slate-900">{h.value}</dd>
            </div>
          ))}
          {d.queryKeys.map((k) => (
            <div key={k.name} className="flex gap-2">
              <dt className="text-slate-500">?{k.name}=</dt>
              <dd className="break-all text-slate-900">{k.value}</dd>
            </div>
          ))}
        </dl>
        <h3 className="mt-4 text-sm font-semibold text-slate-900">Response</h3>
        <p className="mt-1 text-xs text-slate-700">
          {d.statusCode !== null ? `HTTP ${d.statusCode}` : d.error} · {d.latencyMs} ms · attempt {d.attempt}
        </p>
        {d.responseExcerpt && (
          <pre className="mt-2 max-h-40 overflow-auto whitespace-pre-wrap break-all rounded bg-white p-2 font-mono text-xs ring-1 ring-slate-200">
            {d.responseExcerpt}
          </pre>
        )}
      </section>
      <section>
        <h3 className="text-sm font-semibold text-slate-900">Event payload</h3>
        {d.event ? (
          <pre className="mt-2 max-h-80 overflow-auto whitespace-pre-wrap break-all rounded bg-white p-2 font-mono text-xs ring-1 ring-slate-200">
            {JSON.stringify(d.event, null, 2)}
          </pre>
        ) : (
          <p className="mt-2 text-xs text-slate-600">The event is no longer stored (past the 30-day retention).</p>
        )}
      </section>
    </div>
  );
}
