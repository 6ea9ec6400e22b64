import type { ConnectionHealthDto } from "@/lib/health/connection-health";
import { ago, full } from "./format-time";

const count = (h: ConnectionHealthDto) => `${h.lag_events.toLocaleString("en-US")}${h.lag_capped ? "+" : ""}`;

function When({ iso, empty = "never" }: { iso: string | null; empty?: string }) {
  if (!iso) return <span className="text-slate-500">{empty}</span>;
  return (
    <time dateTime={iso} title={full(iso)} suppressHydrationWarning>
      {ago(iso)}
    </time>
  );
}

/** One line for a list: last success, last failure, how far behind. */
export function HealthLine({ health: h }: { health: ConnectionHealthDto }) {
  return (
    <p className="text-xs text-slate-600" data-testid="health-line">
      <span className="whitespace-nowrap">
        Last success <When iso={h.last_success_at} />
      </span>
      {h.last_failure_at && (
        <span className="whitespace-nowrap">
          {" · "}last failure <When iso={h.last_failure_at} />
        </span>
      )}
      {h.lag_events > 0 && (
        <span className={`whitespace-nowrap ${h.state === "FAILING" ? "font-medium text-red-700" : ""}`}>
          {" · "}
          {count(h)} behind
        </span>
      )}
    </p>
  );
}

/** The connection page's figures. */
export function HealthFacts({ health: h }: { health: ConnectionHealthDto }) {
  const item = (label: string, value: React.ReactNode) => (
    <div className="min-w-0">
      <dt className="text-xs font-medium uppercase tracking-wide text-slate-500">{label}</dt>
      <dd className="mt-1 text-sm text-slate-900">{value}</dd>
    </div>
  );
  return (
    <dl className="grid grid-cols-2 gap-4 sm:grid-cols-4" data-testid="health-facts">
      {item("Last success", <When iso={h.last_success_at} />)}
      {item("Last failure", <When iso={h.last_failure_at} />)}
      {item(
        "Events behind",
        <span className={h.lag_events > 0 && h.state === "FAILING" ? "font-semibold text-red-700" : undefined}>{h.lag_events === 0 ? "none" : count(h)}</span>,
      )}
      {item("Oldest waiting", <When iso={h.oldest_pending_at} empty="nothing waiting" />)}
    </dl>
  );
}
