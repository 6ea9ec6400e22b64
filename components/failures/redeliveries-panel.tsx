"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { type ActionResult, unwrap, unwrapCall } from "@/lib/api/action-result";
import type { RedeliveryDto, RedeliveryWithProblems } from "@/lib/failures/redelivery";
import { Alert } from "../ui/alert";
import { Button } from "../ui/button";
import { ConfirmDialog } from "../ui/confirm-dialog";

export const REDELIVERIES_KEY = ["redeliveries"] as const;

const STATUS: Record<RedeliveryDto["status"], { label: string; className: string }> = {
  QUEUED: { label: "Queued", className: "bg-slate-100 text-slate-700 ring-slate-500/20" },
  RUNNING: { label: "Running", className: "bg-indigo-50 text-indigo-800 ring-indigo-600/20" },
  COMPLETED: { label: "Completed", className: "bg-emerald-50 text-emerald-800 ring-emerald-600/20" },
  CANCELLED: { label: "Cancelled", className: "bg-slate-100 text-slate-700 ring-slate-500/20" },
};

const active = (r: RedeliveryDto) => r.status === "QUEUED" || r.status === "RUNNING";

function describeCriteria(r: RedeliveryDto, connectionName: (id: string) => string): string {
  const c = r.criteria;
  if ("ids" in c) return c.ids.length === 1 ? "1 selected failure" : `${c.ids.length} selected failures`;
  const parts = [c.connection_id ? connectionName(c.connection_id) : "all connections"];
  if (c.status_class) parts.push(c.status_class === "network" ? "timeouts and network errors" : `${c.status_class} answers`);
  if (c.event_type) parts.push(c.event_type);
  if (c.since) parts.push(`since ${new Date(c.since).toLocaleString()}`);
  return `Everything undelivered: ${parts.join(" · ")}`;
}

/** Recent redeliveries with live progress; polls every second while one is queued or running. */
export function RedeliveriesPanel({
  listAction,
  cancelAction,
  connections,
}: {
  listAction: () => Promise<ActionResult<{ data: RedeliveryWithProblems[] }>>;
  /** Absent for members: no Cancel buttons. */
  cancelAction?: (id: string) => Promise<ActionResult<{ redelivery: RedeliveryDto }>>;
  connections: { id: string; name: string }[];
}) {
  const queryClient = useQueryClient();
  const q = useQuery({
    queryKey: REDELIVERIES_KEY,
    queryFn: async () => unwrap(await listAction()).data,
    refetchInterval: (query) => (query.state.data?.some(active) ? 1_000 : 15_000),
  });
  const [cancelling, setCancelling] = useState<RedeliveryDto | null>(null);
  const [error, setError] = useState<string | null>(null);
  const cancel = useMutation({
    mutationFn: (id: string) => unwrapCall(() => cancelAction!(id)),
    onSuccess: () => setError(null),
    onError: (err) => setError(err.message),
    onSettled: () => {
      setCancelling(null);
      void queryClient.invalidateQueries({ queryKey: REDELIVERIES_KEY });
    },
  });

  // When a redelivery finishes, the failures it resent now say "Redelivered": refresh the list.
  const activeIds = useRef<string>("");
  useEffect(() => {
    const now = (q.data ?? []).filter(active).map((r) => `${r.id}:${r.succeeded + r.failed + r.skipped}`).join(",");
    if (activeIds.current && activeIds.current !== now) void queryClient.invalidateQueries({ queryKey: ["failures"] });
    activeIds.current = now;
  }, [q.data, queryClient]);

  if (q.isPending || !q.data || q.data.length === 0) return null;
  const name = (id: string) => connections.find((c) => c.id === id)?.name ?? "a deleted connection";

  return (
    <section aria-labelledby="redeliveries-title" className="rounded-xl bg-white p-4 ring-1 ring-slate-200">
      <h2 id="redeliveries-title" className="text-base font-semibold text-slate-900">
        Redeliveries
      </h2>
      <p className="mt-1 text-sm text-slate-600">Events sent again in the background, signed like every streamed event. The latest five are shown.</p>
      {error && (
        <div className="mt-3">
          <Alert tone="error">{error}</Alert>
        </div>
      )}
      <ul className="mt-3 divide-y divide-slate-100">
        {q.data.map((r) => {
          const done = r.succeeded + r.failed + r.skipped;
          const percent = r.total === 0 ? 100 : Math.round((done / r.total) * 100);
          return (
            <li key={r.id} data-testid="redelivery" className="py-3">
              <div className="flex flex-wrap items-center justify-between gap-2">
                <div className="flex flex-wrap items-center gap-2">
                  <span className={`inline-flex rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset ${STATUS[r.status].className}`}>
                    {STATUS[r.status].label}
                  </span>
                  <span className="text-sm text-slate-900">{describeCriteria(r, name)}</span>
                  <span className="text-xs text-slate-500">
                    {new Date(r.created_at).toLocaleString()}
                    {r.requested_by ? ` · by ${r.requested_by.name}` : ""}
                  </span>
                </div>
                {active(r) && cancelAction && (
                  <Button variant="ghost" onClick={() => setCancelling(r)}>
                    Cancel
                  </Button>
                )}
              </div>
              <div
                role="progressbar"
                aria-label={`Redelivery progress: ${done} of ${r.total} events`}
                aria-valuemin={0}
                aria-valuemax={r.total}
                aria-valuenow={done}
                className="mt-2 h-2 overflow-hidden rounded-full bg-slate-100"
              >
                <div className={`h-full ${r.failed > 0 ? "bg-amber-500" : "bg-emerald-500"} transition-all`} style={{ width: `${percent}%` }} />
              </div>
              <p className="mt-1 text-xs text-slate-700" data-testid="redelivery-counts">
                {r.succeeded} of {r.total} delivered
                {r.failed > 0 ? ` · ${r.failed} failed` : ""}
                {r.skipped > 0 ? ` · ${r.skipped} skipped` : ""}
                {active(r) ? ` · ${r.pending} to go` : ""}
              </p>
              {r.problems.length > 0 && (
                <ul className="mt-1 space-y-0.5 text-xs text-slate-600">
                  {r.problems.map((p) => (
                    <li key={`${p.state}:${p.message}`}>
                      <span className="font-medium">{p.state === "FAILED" ? "Failed" : "Skipped"} ×{p.count}:</span> {p.message}
                    </li>
                  ))}
                </ul>
              )}
            </li>
          );
        })}
      </ul>
      <ConfirmDialog
        open={cancelling !== null}
        title="Cancel this redelivery?"
        confirmLabel="Cancel redelivery"
        cancelLabel="Keep going"
        busy={cancel.isPending}
        onCancel={() => setCancelling(null)}
        onConfirm={() => cancelling && cancel.mutate(cancelling.id)}
      >
        Events already sent stay sent; the {cancelling?.pending ?? 0} not sent yet are skipped and stay in the failed list.
      </ConfirmDialog>
    </section>
  );
}
