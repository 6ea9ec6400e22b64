"use client";

import type { FailureDto } from "@/lib/failures/list-failures";
import { Button } from "../ui/button";
import { TableHead } from "../ui/table-head";

const OUTCOMES: Record<FailureDto["outcome"], { label: string; className: string }> = {
  RETRYING: { label: "Retrying", className: "bg-amber-50 text-amber-900 ring-amber-600/20" },
  DELIVERED_LATER: { label: "Delivered later", className: "bg-emerald-50 text-emerald-800 ring-emerald-600/20" },
  GIVEN_UP: { label: "Given up", className: "bg-red-50 text-red-800 ring-red-600/20" },
  REJECTED: { label: "Rejected", className: "bg-red-50 text-red-800 ring-red-600/20" },
  REDELIVERED: { label: "Redelivered", className: "bg-sky-50 text-sky-800 ring-sky-600/20" },
};

/** Failed attempts, newest first, with a checkbox each (not for those still retrying) and a details toggle. */
export function FailuresTable({
  rows,
  selectable: canSelect = true,
  selected,
  onSelectedChange,
  open,
  onOpenChange,
}: {
  rows: FailureDto[];
  /** False for members, who cannot redeliver: no checkboxes. */
  selectable?: boolean;
  selected: ReadonlySet<string>;
  onSelectedChange: (next: Set<string>) => void;
  open: string | null;
  onOpenChange: (id: string | null) => void;
}) {
  const selectable = rows.filter((f) => f.outcome !== "RETRYING");
  const allSelected = selectable.length > 0 && selectable.every((f) => selected.has(f.id));
  const toggle = (id: string) => {
    const next = new Set(selected);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    onSelectedChange(next);
  };
  const selectColumn = {
    key: "select",
    content: (
      <input
        type="checkbox"
        aria-label="Select every failure shown"
        className="h-4 w-4 rounded border-slate-300 text-indigo-600 focus:ring-indigo-600"
        checked={allSelected}
        disabled={selectable.length === 0}
        onChange={() => onSelectedChange(allSelected ? new Set() : new Set(selectable.map((f) => f.id)))}
      />
    ),
  };
  return (
    <div className="relative overflow-x-auto rounded-xl bg-white ring-1 ring-slate-200">
      <table className="min-w-full divide-y divide-slate-200 text-sm">
        <TableHead
          columns={[
            ...(canSelect ? [selectColumn] : []),
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
            <FailureRow
              key={f.id}
              failure={f}
              selectable={canSelect}
              selected={selected.has(f.id)}
              onToggle={() => toggle(f.id)}
              open={open === f.id}
              onOpenChange={(o) => onOpenChange(o ? f.id : null)}
            />
          ))}
        </tbody>
      </table>
    </div>
  );
}

function FailureRow({
  failure: f,
  selectable,
  selected,
  onToggle,
  open,
  onOpenChange,
}: {
  failure: FailureDto;
  selectable: boolean;
  selected: boolean;
  onToggle: () => void;
  open: boolean;
  onOpenChange: (open: boolean) => void;
}) {
  return (
    <tr data-testid="failure-row" className={open ? "bg-indigo-50" : selected ? "bg-slate-50" : undefined}>
      {selectable && (
        <td className="px-4 py-3">
          <input
            type="checkbox"
            aria-label={`Select the failure of ${f.event_type} at ${new Date(f.attempted_at).toLocaleString()}`}
            title={f.outcome === "RETRYING" ? "Still being retried automatically" : undefined}
            className="h-4 w-4 rounded border-slate-300 text-indigo-600 focus:ring-indigo-600 disabled:opacity-40"
            disabled={f.outcome === "RETRYING"}
            checked={selected}
            onChange={onToggle}
          />
        </td>
      )}
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
        <Button variant="ghost" aria-expanded={open} aria-controls="failure-detail-panel" onClick={() => onOpenChange(!open)}>
          {open ? "Hide" : "Details"}
        </Button>
      </td>
    </tr>
  );
}
