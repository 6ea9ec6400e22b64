"use client";

import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { type ActionResult, unwrap } from "@/lib/api/action-result";
import type { FailureDetail } from "@/lib/failures/failure-detail";
import type { FailureDto, FailureGroupDto } from "@/lib/failures/list-failures";
import { Alert } from "../ui/alert";
import { Button } from "../ui/button";
import { answerOf, OutcomeBadge } from "./failures-table";

export type DetailAction = (id: string) => Promise<ActionResult<{ detail: FailureDetail }>>;
export type AttemptsAction = (params: Record<string, string | undefined>) => Promise<ActionResult<{ data: FailureDto[]; next_cursor: string | null }>>;

/**
 * An event's failed deliveries to one connection, expanded from its row: every attempt (newest
 * first), what was sent and what came back for the one picked (secrets masked), and a resend.
 */
export function FailureDetailPanel({
  group,
  action,
  attemptsAction,
  redelivering,
  onRedeliver,
  onClose,
}: {
  group: FailureGroupDto;
  action: DetailAction;
  attemptsAction: AttemptsAction;
  redelivering: boolean;
  onRedeliver: () => void;
  onClose: () => void;
}) {
  const [picked, setPicked] = useState(group.id);
  const retrying = group.outcome === "RETRYING";
  return (
    <section id={`failure-detail-${group.id}`} aria-label="Failed delivery details" className="min-w-0 rounded-xl bg-white p-3 ring-1 ring-indigo-200 sm:p-4">
      <div className="mb-3 flex items-center justify-between gap-2">
        <h2 className="min-w-0 break-words text-base font-semibold text-slate-900">
          <span className="break-all">{group.event_type}</span> <span className="font-normal text-slate-600">to {group.connection_name}</span>
        </h2>
        <Button variant="ghost" onClick={onClose}>
          Close
        </Button>
      </div>
      <AttemptList group={group} action={attemptsAction} picked={picked} onPick={setPicked} />
      <FailureDetailView id={picked} action={action} />
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
    </section>
  );
}

function AttemptList({ group, action, picked, onPick }: { group: FailureGroupDto; action: AttemptsAction; picked: string; onPick: (id: string) => void }) {
  const q = useQuery({
    queryKey: ["failure-attempts", group.connection_id, group.event_id, group.last_attempted_at],
    queryFn: async () => unwrap(await action({ connection_id: group.connection_id, event_id: group.event_id, limit: "200" })).data,
  });
  return (
    <section aria-label="Attempts" className="mb-4">
      <h3 className="text-sm font-semibold text-slate-900">Every attempt ({group.attempts})</h3>
      {q.isPending ? (
        <p role="status" className="mt-1 text-sm text-slate-600">
          Loading attempts…
        </p>
      ) : q.isError ? (
        <Alert tone="error">{q.error.message}</Alert>
      ) : (
        <ol className="mt-2 divide-y divide-slate-100 rounded-md ring-1 ring-slate-200" data-testid="failure-attempts">
          {q.data.map((a) => (
            <li key={a.id}>
              <button
                type="button"
                aria-pressed={picked === a.id}
                onClick={() => onPick(a.id)}
                data-testid="failure-attempt"
                className={`flex w-full flex-wrap items-center gap-x-3 gap-y-1 px-3 py-2 text-left text-xs focus-visible:outline focus-visible:outline-2 focus-visible:outline-indigo-600 ${
                  picked === a.id ? "bg-indigo-50" : "hover:bg-slate-50"
                }`}
              >
                <span className="w-20 shrink-0 font-medium text-slate-900">Attempt {a.attempt}</span>
                <time dateTime={a.attempted_at} className="shrink-0 text-slate-600">
                  {new Date(a.attempted_at).toLocaleString()}
                </time>
                <span className="min-w-0 flex-1 break-words text-slate-800">
                  {answerOf(a)} · {a.latency_ms} ms
                </span>
                <OutcomeBadge outcome={a.outcome} />
              </button>
            </li>
          ))}
        </ol>
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
    <div className="grid min-w-0 gap-4 lg:grid-cols-2" data-testid="failure-detail">
      <section className="min-w-0">
        <h3 className="text-sm font-semibold text-slate-900">Request of attempt {d.attempt}</h3>
        <p className="mt-1 break-all font-mono text-xs text-slate-700">POST {d.connection.url}</p>
        <dl className="mt-2 space-y-1 font-mono text-xs">
          {d.requestHeaders.map((h) => (
            <div key={h.name} className="flex flex-wrap gap-x-2">
              <dt className="text-slate-500">{h.name}:</dt>
              <dd className="min-w-0 break-all text-slate-900">{h.value}</dd>
            </div>
          ))}
          {d.queryKeys.map((k) => (
            <div key={k.name} className="flex flex-wrap gap-x-2">
              <dt className="text-slate-500">?{k.name}=</dt>
              <dd className="min-w-0 break-all text-slate-900">{k.value}</dd>
            </div>
          ))}
        </dl>
        <h3 className="mt-4 text-sm font-semibold text-slate-900">Response</h3>
        <p className="mt-1 break-words text-xs text-slate-700">
          {d.statusCode !== null ? `HTTP ${d.statusCode}` : d.error} · {d.latencyMs} ms · attempt {d.attempt}
        </p>
        {d.responseExcerpt && (
          <pre className="mt-2 max-h-40 overflow-auto whitespace-pre-wrap break-all rounded bg-white p-2 font-mono text-xs ring-1 ring-slate-200">
            {d.responseExcerpt}
          </pre>
        )}
      </section>
      <section className="min-w-0">
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
