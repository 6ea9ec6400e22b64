"use client";

import { useQuery } from "@tanstack/react-query";
import { type ActionResult, unwrap } from "@/lib/api/action-result";
import type { FailureDetail } from "@/lib/failures/failure-detail";
import { Alert } from "../ui/alert";
import { Button } from "../ui/button";

export type DetailAction = (id: string) => Promise<ActionResult<{ detail: FailureDetail }>>;

/** One failed attempt opened from the table: what was sent (secrets masked), what came back, and a resend. */
export function FailureDetailPanel({
  id,
  retrying,
  action,
  redelivering,
  onRedeliver,
  onClose,
}: {
  id: string;
  /** Still retried by the stream: it cannot be redelivered yet. */
  retrying: boolean;
  action: DetailAction;
  redelivering: boolean;
  /** Absent for members, who cannot redeliver. */
  onRedeliver?: () => void;
  onClose: () => void;
}) {
  return (
    <section id="failure-detail-panel" aria-label="Failed delivery details" className="rounded-xl bg-white p-4 ring-1 ring-indigo-200">
      <div className="mb-3 flex items-center justify-between">
        <h2 className="text-base font-semibold text-slate-900">Details</h2>
        <Button variant="ghost" onClick={onClose}>
          Close
        </Button>
      </div>
      <FailureDetailView id={id} action={action} />
      {onRedeliver && (
        <div className="mt-4 flex flex-wrap items-center gap-3 border-t border-slate-100 pt-4">
          {retrying ? (
            <p className="text-sm text-slate-600">This event is still being retried automatically; it can be redelivered once the stream settles it.</p>
          ) : (
            <>
              <Button busy={redelivering} onClick={onRedeliver}>
                Redeliver this event
              </Button>
              <p className="text-sm text-slate-600">Sends the event to this connection once more, signed like every streamed event.</p>
            </>
          )}
        </div>
      )}
    </section>
  );
}

function FailureDetailView({ id, action }: { id: string; action: DetailAction }) {
  const q = useQuery({ queryKey: ["failure", id], queryFn: async () => unwrap(await action(id)).detail });
  if (q.isPending) return <p role="status" className="text-sm text-slate-600">Loading details…</p>;
  if (q.isError) return <Alert tone="error">{q.error.message}</Alert>;
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
