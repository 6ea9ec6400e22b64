import type { ConnectionHealthDto } from "../health/connection-health";
import { healthHtml, healthText } from "./health-lines";
import type { Mail } from "./mailer";

export type AutoDisabledNotice = {
  connectionId: string;
  connectionName: string;
  urlHost: string;
  disabledAt: string;
  summary: string;
  /** The connection's health when the email is written (absent if it could not be read). */
  health?: ConnectionHealthDto;
  appUrl: string;
};

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

/** The email every admin gets, at once, when a connection was auto-disabled. */
export function autoDisabledEmail(n: AutoDisabledNotice, to: string[]): Mail {
  const link = `${n.appUrl}/settings/event-streaming/${n.connectionId}`;
  const failures = `${n.appUrl}/settings/event-streaming/failures?connection_id=${n.connectionId}`;
  const when = new Date(n.disabledAt).toUTCString();
  const subject = `Event streaming: '${n.connectionName}' was disabled because deliveries kept failing`;
  const text = [
    `Tributary disabled the event streaming connection '${n.connectionName}' (${n.urlHost}) at ${when}.`,
    "",
    n.summary,
    ...(n.health ? ["", ...healthText(n.health, new Date(), "  ")] : []),
    "",
    "Events are no longer sent to this destination. Fix the destination, send a test event from the",
    "connection's page, then enable the connection again. Re-enabled within 7 days it delivers the",
    "events it missed; after 7 days or more it resumes from the latest events. Events that were",
    "rejected or given up can be redelivered from the Failed deliveries page:",
    failures,
    "",
    link,
  ].join("\n");
  const html = `<p>Tributary disabled the event streaming connection <strong>${escapeHtml(n.connectionName)}</strong> (${escapeHtml(n.urlHost)}) at ${escapeHtml(when)}.</p>
<p>${escapeHtml(n.summary)}</p>
${n.health ? healthHtml(n.health) : ""}
<p>Events are no longer sent to this destination. Fix the destination, send a test event from the connection's page, then enable the connection again. Re-enabled within 7 days it delivers the events it missed; after 7 days or more it resumes from the latest events. Events that were rejected or given up can be <a href="${escapeHtml(failures)}">redelivered from the Failed deliveries page</a>.</p>
<p><a href="${escapeHtml(link)}">Open the connection</a></p>`;
  return { to, subject, text, html };
}
