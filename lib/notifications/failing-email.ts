import type { ConnectionHealthDto } from "../health/connection-health";
import { duration, healthHtml, healthText } from "./health-lines";
import type { Mail } from "./mailer";

export type FailingNotice = {
  connectionId: string;
  connectionName: string;
  urlHost: string;
  health: ConnectionHealthDto;
  /** Failed attempts since the last success. */
  failedAttempts: number;
  /** How long without a success before the connection is auto-disabled (AUTO_DISABLE_OUTAGE_MINUTES). */
  autoDisableAfterMs: number;
  appUrl: string;
};

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

/** The one warning per failing spell: deliveries to a connection have been failing for a while. */
export function failingEmail(n: FailingNotice, to: string[], now = new Date()): Mail {
  const link = `${n.appUrl}/settings/event-streaming/${n.connectionId}`;
  const failures = `${n.appUrl}/settings/event-streaming/failures?connection_id=${n.connectionId}`;
  const since = n.health.failing_since ? Date.parse(n.health.failing_since) : now.getTime();
  const failingFor = duration(now.getTime() - since);
  const left = Math.max(0, since + n.autoDisableAfterMs - now.getTime());
  const subject = `Event streaming: deliveries to '${n.connectionName}' are failing`;
  const intro = `Deliveries to the event streaming connection '${n.connectionName}' (${n.urlHost}) have been failing for ${failingFor}: ${n.failedAttempts.toLocaleString("en-US")} attempts in a row without a success.`;
  const next = `Tributary keeps retrying, with backoff, and delivers the waiting events in order once the destination answers again. If no delivery succeeds for another ${duration(left)}, the connection is disabled automatically and you will get one more email.`;
  const text = [
    intro,
    "",
    ...healthText(n.health, now, "  "),
    "",
    next,
    "",
    `Open the connection (status, chart, test event): ${link}`,
    `See the failed deliveries and their errors: ${failures}`,
  ].join("\n");
  const html = `<p>${escapeHtml(intro)}</p>
${healthHtml(n.health, now)}
<p>${escapeHtml(next)}</p>
<p><a href="${escapeHtml(link)}">Open the connection</a> · <a href="${escapeHtml(failures)}">See the failed deliveries</a></p>`;
  return { to, subject, text, html };
}
