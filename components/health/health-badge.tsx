import type { ConnectionHealthDto } from "@/lib/health/connection-health";
import { clock, full } from "./format-time";

const STYLES = {
  HEALTHY: { label: "Healthy", chip: "bg-emerald-50 text-emerald-800 ring-emerald-600/20", dot: "bg-emerald-500" },
  FAILING: { label: "Failing", chip: "bg-red-50 text-red-800 ring-red-600/20", dot: "bg-red-500" },
  PAUSED: { label: "Paused", chip: "bg-slate-100 text-slate-700 ring-slate-500/20", dot: "bg-slate-400" },
  IDLE: { label: "Idle", chip: "bg-sky-50 text-sky-800 ring-sky-600/20", dot: "bg-sky-400" },
} as const;

/** Healthy, Failing since …, Paused or Idle, beside the Enabled/Disabled badge. */
export function HealthBadge({ health }: { health: ConnectionHealthDto }) {
  const s = STYLES[health.state];
  const since = health.state === "FAILING" && health.failing_since ? health.failing_since : null;
  return (
    <span
      data-testid="health-badge"
      data-state={health.state}
      className={`inline-flex items-center gap-1.5 whitespace-nowrap rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset ${s.chip}`}
    >
      <span aria-hidden className={`h-1.5 w-1.5 rounded-full ${s.dot} ${health.state === "FAILING" ? "animate-pulse" : ""}`} />
      {s.label}
      {since && (
        <>
          {" since "}
          <time dateTime={since} title={full(since)} suppressHydrationWarning>
            {clock(since)}
          </time>
        </>
      )}
    </span>
  );
}
