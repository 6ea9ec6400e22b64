"use client";

import { Fragment, type ReactNode } from "react";
import type { FailureDto, FailureGroupDto } from "@/lib/failures/list-failures";
import { Button } from "../ui/button";
import { TableHead } from "../ui/table-head";

export const OUTCOMES: Record<FailureDto["outcome"], { label: string; className: string }> = {
  RETRYING: { label: "Retrying", className: "bg-amber-50 text-amber-900 ring-amber-600/20" },
  DELIVERED_LATER: { label: "Delivered later", className: "bg-emerald-50 text-emerald-800 ring-emerald-600/20" },
  GIVEN_UP: { label: "Given up", className: "bg-red-50 text-red-800 ring-red-600/20" },
  REJECTED: { label: "Rejected", className: "bg-red-50 text-red-800 ring-red-600/20" },
  REDELIVERED: { label: "Redelivered", className: "bg-sky-50 text-sky-800 ring-sky-600/20" },
};

export function OutcomeBadge({ outcome }: { outcome: FailureDto["outcome"] }) {
  return (
    <span className={`inline-flex whitespace-nowrap rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset ${OUTCOMES[outcome].className}`}>
      {OUTCOMES[outcome].label}
    </span>
  );
}

export const answerOf = (f: { status_code: number | null; error: string | null }) => (f.status_code !== null ? `HTTP ${f.status_code}` : (f.error ?? "Unknown error"));

function When({ iso }: { iso: string }) {
  return (
    <time dateTime={iso} title={new Date(iso).toLocaleString()} suppressHydrationWarning>
      {new Date(iso).toLocaleDateString(undefined, { month: "short", day: "numeric" })}{" "}
      {new Date(iso).toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit" })}
    </time>
  );
}

/**
 * Failed deliveries, one row per (connection, event), the latest attempted first: a checkbox each
 * (not for events still retrying) and a toggle that expands the row into every attempt and the detail.
 * Columns that do not fit a phone fold into the event's cell.
 */
export function FailuresTable({
  rows,
  selected,
  onSelectedChange,
  open,
  onOpenChange,
  renderDetail,
}: {
  rows: FailureGroupDto[];
  selected: ReadonlySet<string>;
  onSelectedChange: (next: Set<string>) => void;
  open: string | null;
  onOpenChange: (id: string | null) => void;
  renderDetail: (group: FailureGroupDto) => ReactNode;
}) {
  const selectable = rows.filter((f) => f.outcome !== "RETRYING");
  const allSelected = selectable.length > 0 && selectable.every((f) => selected.has(f.id));
  const toggle = (id: string) => {
    const next = new Set(selected);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    onSelectedChange(next);
  };
  return (
    <div className="rounded-xl bg-white ring-1 ring-slate-200">
      <table className="w-full divide-y divide-slate-200 text-sm">
        <TableHead
          columns={[
            {
              key: "select",
              content: (
                <input
                  type="checkbox"
                  aria-label="Select every event shown"
                  className="h-4 w-4 rounded border-slate-300 text-indigo-600 focus:ring-indigo-600"
                  checked={allSelected}
                  disabled={selectable.length === 0}
                  onChange={() => onSelectedChange(allSelected ? new Set() : new Set(selectable.map((f) => f.id)))}
                />
              ),
            },
            "Event",
            "Attempts",
            "Last answer",
            "Outcome",
            { hidden: "Details" },
          ]}
          cellClassName={(i) => (i === 2 || i === 4 ? "hidden md:table-cell" : i === 3 ? "hidden lg:table-cell" : "")}
        />
        <tbody className="divide-y divide-slate-100">
          {rows.map((g) => (
            <Fragment key={g.id}>
              <FailureGroupRow
                group={g}
                selected={selected.has(g.id)}
                onToggle={() => toggle(g.id)}
                open={open === g.id}
                onOpenChange={(o) => onOpenChange(o ? g.id : null)}
              />
              {open === g.id && (
                <tr>
                  <td colSpan={6} className="bg-indigo-50/40 px-2 py-3 sm:px-4">
                    {renderDetail(g)}
                  </td>
                </tr>
              )}
            </Fragment>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function FailureGroupRow({
  group: g,
  selected,
  onToggle,
  open,
  onOpenChange,
}: {
  group: FailureGroupDto;
  selected: boolean;
  onToggle: () => void;
  open: boolean;
  onOpenChange: (open: boolean) => void;
}) {
  const attempts = g.attempts === 1 ? "1 attempt" : `${g.attempts} attempts`;
  return (
    <tr data-testid="failure-row" className={open ? "bg-indigo-50" : selected ? "bg-slate-50" : undefined}>
      <td className="w-10 py-3 pl-4 pr-2 align-top">
        <input
          type="checkbox"
          aria-label={`Select ${g.event_type} on ${g.connection_name}`}
          title={g.outcome === "RETRYING" ? "Still being retried automatically" : undefined}
          className="h-4 w-4 rounded border-slate-300 text-indigo-600 focus:ring-indigo-600 disabled:opacity-40"
          disabled={g.outcome === "RETRYING"}
          checked={selected}
          onChange={onToggle}
        />
      </td>
      <td className="min-w-0 px-2 py-3 align-top sm:px-4">
        <p className="break-all font-mono text-xs text-slate-900">{g.event_type}</p>
        <p className="text-xs text-slate-600">
          <span className="font-medium text-slate-800">{g.connection_name}</span>
          {" · "}
          <span className="font-mono" title={g.event_id}>
            {g.event_id.slice(0, 8)}…
          </span>
        </p>
        {/* What the hidden columns say, on narrow screens. */}
        <div className="mt-1 flex flex-wrap items-center gap-x-2 gap-y-1 text-xs text-slate-600 md:hidden">
          <span>{attempts}</span>
          <span>· {answerOf(g)}</span>
          <OutcomeBadge outcome={g.outcome} />
        </div>
        <p className="mt-1 hidden text-xs text-slate-600 md:block lg:hidden">{answerOf(g)}</p>
      </td>
      <td className="hidden whitespace-nowrap px-4 py-3 align-top text-slate-700 md:table-cell">
        <p className="font-medium">{attempts}</p>
        <p className="text-xs text-slate-500">
          {g.attempts > 1 && (
            <>
              <When iso={g.first_attempted_at} />
              {" → "}
              <br />
            </>
          )}
          <When iso={g.last_attempted_at} />
        </p>
      </td>
      <td className="hidden max-w-[14rem] px-4 py-3 align-top text-slate-700 lg:table-cell">
        <p className="break-words" title={g.error ?? undefined}>
          {answerOf(g)}
        </p>
      </td>
      <td className="hidden px-4 py-3 align-top md:table-cell">
        <OutcomeBadge outcome={g.outcome} />
      </td>
      <td className="w-20 py-3 pl-2 pr-3 text-right align-top">
        <Button variant="ghost" className="px-2" aria-expanded={open} aria-controls={`failure-detail-${g.id}`} onClick={() => onOpenChange(!open)}>
          {open ? "Hide" : "Details"}
        </Button>
      </td>
    </tr>
  );
}
