"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useState, useSyncExternalStore } from "react";
import { Bar, BarChart, CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { type ActionResult, unwrap } from "@/lib/api/action-result";
import type { ConnectionStatsDto, StatsWindow } from "@/lib/health/connection-stats";
import { Alert } from "../ui/alert";

export type StatsAction = (id: string, window: string) => Promise<ActionResult<{ stats: ConnectionStatsDto }>>;

const WINDOWS: { value: StatsWindow; label: string; long: string }[] = [
  { value: "1h", label: "1 hour", long: "the last hour" },
  { value: "24h", label: "24 hours", long: "the last 24 hours" },
  { value: "7d", label: "7 days", long: "the last 7 days" },
];
const REFRESH_MS: Record<StatsWindow, number> = { "1h": 10_000, "24h": 30_000, "7d": 60_000 };
const COLORS = { delivered: "#059669", failed: "#dc2626", p50: "#4f46e5", p95: "#a855f7", grid: "#e2e8f0", axis: "#64748b" };

// Recharts draws in the browser (its SVG needs the container's width); the server sends the summary
// and a placeholder of the same height, so hydration matches and nothing jumps.
const subscribe = () => () => undefined;
const useMounted = () => useSyncExternalStore(subscribe, () => true, () => false);

const n = (v: number) => v.toLocaleString("en-US");

function tick(window: StatsWindow) {
  return (iso: string) => {
    const d = new Date(iso);
    return window === "7d"
      ? d.toLocaleDateString(undefined, { weekday: "short", day: "numeric" })
      : d.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" });
  };
}

function bucketLabel(iso: string, bucketSeconds: number) {
  const start = new Date(iso);
  const end = new Date(start.getTime() + bucketSeconds * 1000);
  const t = (d: Date) => d.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" });
  return `${start.toLocaleDateString(undefined, { month: "short", day: "numeric" })} ${t(start)}–${t(end)}`;
}

type Bucket = ConnectionStatsDto["buckets"][number];

/** A line has no segment through a bucket whose neighbours are empty: such a point gets a dot, others none. */
function isolatedDot(rows: Bucket[], key: "p50_ms" | "p95_ms", color: string) {
  return (p: { index?: number; cx?: number; cy?: number }) => {
    const i = p.index ?? -1;
    const alone = rows[i]?.[key] != null && rows[i - 1]?.[key] == null && rows[i + 1]?.[key] == null;
    return alone && p.cx != null && p.cy != null ? <circle key={i} cx={p.cx} cy={p.cy} r={3} fill={color} /> : <g key={i} />;
  };
}

export function summarize(stats: ConnectionStatsDto) {
  const delivered = stats.buckets.reduce((a, b) => a + b.delivered, 0);
  const failed = stats.buckets.reduce((a, b) => a + b.failed, 0);
  const p95 = Math.max(0, ...stats.buckets.map((b) => b.p95_ms ?? 0));
  const failingBuckets = stats.buckets.filter((b) => b.failed > 0).length;
  return { delivered, failed, worstP95: p95, failingBuckets };
}

/** Delivered events and failed attempts per bucket, and p50/p95 latency, over the last hour, 24 hours or 7 days; refreshed while open. */
export function DeliveryCharts({ id, initial, action }: { id: string; initial: ConnectionStatsDto; action: StatsAction }) {
  const [window, setWindow] = useState<StatsWindow>(initial.window);
  const mounted = useMounted();
  const q = useQuery({
    queryKey: ["connection-stats", id, window],
    queryFn: async () => unwrap(await action(id, window)).stats,
    initialData: window === initial.window ? initial : undefined,
    placeholderData: keepPreviousData,
    refetchInterval: REFRESH_MS[window],
  });
  const stats = q.data;
  const chosen = WINDOWS.find((w) => w.value === window)!;
  const sum = stats ? summarize(stats) : null;
  const empty = sum !== null && sum.delivered === 0 && sum.failed === 0;
  const rows = stats?.buckets ?? [];

  return (
    <div className="space-y-4" data-testid="delivery-charts" aria-busy={q.isFetching || undefined}>
      <div className="flex flex-wrap items-center justify-between gap-3">
        <div role="group" aria-label="Chart period" className="inline-flex rounded-md shadow-sm ring-1 ring-inset ring-slate-300">
          {WINDOWS.map((w, i) => (
            <button
              key={w.value}
              type="button"
              aria-pressed={window === w.value}
              onClick={() => setWindow(w.value)}
              className={`px-3 py-1.5 text-sm font-medium focus-visible:outline focus-visible:outline-2 focus-visible:outline-indigo-600 ${
                i === 0 ? "rounded-l-md" : i === WINDOWS.length - 1 ? "rounded-r-md" : ""
              } ${window === w.value ? "bg-indigo-600 text-white" : "bg-white text-slate-700 hover:bg-slate-50"}`}
            >
              {w.label}
            </button>
          ))}
        </div>
        {q.isFetching && (
          <span role="status" className="text-xs text-slate-500">
            Updating…
          </span>
        )}
      </div>

      {q.isError && <Alert tone="error" title="Could not load the chart">{q.error.message}</Alert>}

      {!stats ? (
        <p role="status" className="grid h-40 place-items-center rounded-md bg-slate-50 text-sm text-slate-600">
          Loading the chart…
        </p>
      ) : (
        <>
          <p className="text-sm text-slate-700" data-testid="chart-summary" aria-live="polite">
            {empty ? (
              <>Nothing was sent in {chosen.long}.</>
            ) : (
              <>
                In {chosen.long}: <strong>{n(sum!.delivered)}</strong> events delivered,{" "}
                <strong className={sum!.failed > 0 ? "text-red-700" : undefined}>{n(sum!.failed)}</strong> failed attempts
                {sum!.failed > 0 ? ` (in ${sum!.failingBuckets} of ${rows.length} intervals)` : ""}, slowest p95 latency {n(sum!.worstP95)} ms.
              </>
            )}
          </p>
          {empty ? (
            <div className="rounded-md border border-dashed border-slate-300 px-4 py-8 text-center text-sm text-slate-600" data-testid="chart-empty">
              No deliveries in {chosen.long}. The chart fills in as events are sent.
            </div>
          ) : (
            <div aria-hidden className="space-y-2">
              <h3 className="text-xs font-semibold uppercase tracking-wide text-slate-500">Deliveries per {stats.bucket_seconds >= 3600 ? "hour" : stats.bucket_seconds >= 900 ? "15 minutes" : "minute"}</h3>
              <div className="h-44" data-testid="chart-deliveries">
                {mounted && (
                  <ResponsiveContainer width="100%" height="100%">
                    <BarChart data={rows} margin={{ top: 4, right: 8, bottom: 0, left: 0 }} barCategoryGap={1} accessibilityLayer={false}>
                      <CartesianGrid vertical={false} stroke={COLORS.grid} />
                      <XAxis dataKey="start" tickFormatter={tick(window)} minTickGap={24} tick={{ fontSize: 11, fill: COLORS.axis }} />
                      <YAxis allowDecimals={false} width={44} tick={{ fontSize: 11, fill: COLORS.axis }} />
                      <Tooltip labelFormatter={(l) => bucketLabel(String(l), stats.bucket_seconds)} />
                      <Legend wrapperStyle={{ fontSize: 12 }} />
                      <Bar dataKey="delivered" name="Delivered" stackId="d" fill={COLORS.delivered} isAnimationActive={false} />
                      <Bar dataKey="failed" name="Failed attempts" stackId="d" fill={COLORS.failed} isAnimationActive={false} />
                    </BarChart>
                  </ResponsiveContainer>
                )}
              </div>
              <h3 className="pt-2 text-xs font-semibold uppercase tracking-wide text-slate-500">Latency in ms (request → answer)</h3>
              <div className="h-36" data-testid="chart-latency">
                {mounted && (
                  <ResponsiveContainer width="100%" height="100%">
                    <LineChart data={rows} margin={{ top: 4, right: 8, bottom: 0, left: 0 }} accessibilityLayer={false}>
                      <CartesianGrid vertical={false} stroke={COLORS.grid} />
                      <XAxis dataKey="start" tickFormatter={tick(window)} minTickGap={24} tick={{ fontSize: 11, fill: COLORS.axis }} />
                      <YAxis width={44} allowDecimals={false} tick={{ fontSize: 11, fill: COLORS.axis }} />
                      <Tooltip labelFormatter={(l) => bucketLabel(String(l), stats.bucket_seconds)} formatter={(v) => `${v} ms`} />
                      <Legend wrapperStyle={{ fontSize: 12 }} />
                      <Line dataKey="p50_ms" name="p50" stroke={COLORS.p50} dot={isolatedDot(rows, "p50_ms", COLORS.p50)} strokeWidth={2} isAnimationActive={false} />
                      <Line dataKey="p95_ms" name="p95" stroke={COLORS.p95} dot={isolatedDot(rows, "p95_ms", COLORS.p95)} strokeDasharray="4 3" isAnimationActive={false} />
                    </LineChart>
                  </ResponsiveContainer>
                )}
              </div>
            </div>
          )}
          {!empty && mounted && (
            // A table ignores the 1-pixel box of sr-only; a div around it does not.
            <div className="sr-only">
            <table data-testid="chart-table">
              <caption>
                Deliveries and latency of {chosen.long}, per interval with activity
              </caption>
              <thead>
                <tr>
                  <th scope="col">Interval</th>
                  <th scope="col">Delivered</th>
                  <th scope="col">Failed attempts</th>
                  <th scope="col">p50 latency (ms)</th>
                  <th scope="col">p95 latency (ms)</th>
                </tr>
              </thead>
              <tbody>
                {rows
                  .filter((b) => b.delivered + b.failed > 0)
                  .map((b) => (
                    <tr key={b.start}>
                      <th scope="row">{bucketLabel(b.start, stats.bucket_seconds)}</th>
                      <td>{b.delivered}</td>
                      <td>{b.failed}</td>
                      <td>{b.p50_ms ?? "–"}</td>
                      <td>{b.p95_ms ?? "–"}</td>
                    </tr>
                  ))}
              </tbody>
            </table>
            </div>
          )}
        </>
      )}
    </div>
  );
}
