import type { ConnectionHealthDto } from "../health/connection-health";

// The health numbers every email shows the same way: the state, last success and failure, and what
// is waiting to be sent.

const STATE = { HEALTHY: "Healthy", FAILING: "Failing", PAUSED: "Paused", IDLE: "Idle" } as const;
const when = (iso: string | null) => (iso ? new Date(iso).toUTCString() : "never");

export function duration(ms: number): string {
  const minutes = Math.max(0, Math.floor(ms / 60_000));
  if (minutes < 60) return minutes === 1 ? "1 minute" : `${minutes} minutes`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return `${hours} h${rest ? ` ${rest} min` : ""}`;
}

/** "Label: value" pairs, for a text line each or an HTML list. */
export function healthLines(h: ConnectionHealthDto, now = new Date()): [string, string][] {
  const failing = h.failing_since ? `failing since ${when(h.failing_since)} (${duration(now.getTime() - Date.parse(h.failing_since))})` : null;
  const state = failing && h.state === "FAILING" ? `F${failing.slice(1)}` : failing && h.state === "PAUSED" ? `Paused, ${failing}` : STATE[h.state];
  const waiting =
    h.lag_events === 0
      ? "none"
      : `${h.lag_events.toLocaleString("en-US")}${h.lag_capped ? "+" : ""} ${h.lag_events === 1 && !h.lag_capped ? "event" : "events"}${
          h.oldest_pending_at ? `, the oldest stored ${when(h.oldest_pending_at)}` : ""
        }`;
  return [
    ["Status", state],
    ["Last successful delivery", when(h.last_success_at)],
    ["Last failed attempt", when(h.last_failure_at)],
    ["Waiting to be sent", waiting],
  ];
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

export function healthText(h: ConnectionHealthDto, now = new Date(), indent = ""): string[] {
  return healthLines(h, now).map(([k, v]) => `${indent}${k}: ${v}`);
}

export function healthHtml(h: ConnectionHealthDto, now = new Date()): string {
  return `<ul>${healthLines(h, now)
    .map(([k, v]) => `<li>${escapeHtml(k)}: <strong>${escapeHtml(v)}</strong></li>`)
    .join("")}</ul>`;
}
