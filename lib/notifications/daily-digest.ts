import type pg from "pg";
import { streamPositions } from "../connections/stream-state";
import { type ConnectionFailures, failuresByConnection, organizationsWithFailures } from "../failures/failure-store";
import { type ConnectionHealthDto, loadHealth } from "../health/connection-health";
import { healthHtml, healthText } from "./health-lines";
import type { Mail, Mailer } from "./mailer";
import { adminEmails } from "./recipients";

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
const plural = (n: number, one: string, many: string) => `${n.toLocaleString("en-US")} ${n === 1 ? one : many}`;

export function digestEmail(to: string[], failures: ConnectionFailures[], appUrl: string, health: ReadonlyMap<string, ConnectionHealthDto> = new Map(), now = new Date()): Mail {
  const total = failures.reduce((n, f) => n + f.failedDeliveries, 0);
  const subject =
    failures.length === 1
      ? `Event streaming: ${plural(total, "delivery", "deliveries")} to '${failures[0]!.connectionName}' failed in the last 24 hours`
      : `Event streaming: ${plural(total, "delivery", "deliveries")} to ${failures.length} connections failed in the last 24 hours`;
  const link = (f: ConnectionFailures) => `${appUrl}/settings/event-streaming/failures?connection_id=${f.connectionId}&range=24h`;
  const text = [
    "Deliveries of audit events failed in the last 24 hours:",
    "",
    ...failures.flatMap((f) => [
      `${f.connectionName}: ${plural(f.failedDeliveries, "event", "events")} failed (${plural(f.failedAttempts, "attempt", "attempts")})`,
      ...f.topErrors.map((e) => `  - ${e.label}: ${e.count}`),
      ...(health.get(f.connectionId) ? healthText(health.get(f.connectionId)!, now, "  ") : []),
      `  ${link(f)}`,
      "",
    ]),
    "Failed events are retried automatically; every failed attempt is listed on the Failed deliveries page for 30 days, where those given up or rejected can be redelivered.",
  ].join("\n");
  const html = `<p>Deliveries of audit events failed in the last 24 hours:</p>
${failures
  .map(
    (f) => `<h3 style="margin-bottom:4px">${escapeHtml(f.connectionName)}</h3>
<p style="margin-top:0">${escapeHtml(plural(f.failedDeliveries, "event", "events"))} failed (${escapeHtml(plural(f.failedAttempts, "attempt", "attempts"))}).</p>
<ul>${f.topErrors.map((e) => `<li>${escapeHtml(e.label)}: ${e.count}</li>`).join("")}</ul>
${health.get(f.connectionId) ? `<p style="margin-bottom:0">Now:</p>${healthHtml(health.get(f.connectionId)!, now)}` : ""}
<p><a href="${escapeHtml(link(f))}">See the failed deliveries of ${escapeHtml(f.connectionName)}</a></p>`,
  )
  .join("\n")}
<p>Failed events are retried automatically; every failed attempt is listed on the Failed deliveries page for 30 days, where those given up or rejected can be redelivered.</p>`;
  return { to, subject, text, html };
}

/**
 * The daily digest: every organization whose deliveries failed in the 24 hours before `now` gets one
 * email to all its admins. A (organization, day) row claims the send, so concurrent or repeated
 * runs send it once; a failed send releases the claim so the job's retry sends it.
 */
export async function sendDailyDigests(pool: pg.Pool, mailer: Mailer, appUrl: string, now = new Date()): Promise<number> {
  const since = new Date(now.getTime() - 24 * 3600_000);
  const day = now.toISOString().slice(0, 10);
  let sent = 0;
  for (const organizationId of await organizationsWithFailures(pool, since, now)) {
    const claim = await pool.query("INSERT INTO digest_runs (organization_id, day) VALUES ($1, $2) ON CONFLICT DO NOTHING", [organizationId, day]);
    if (claim.rowCount === 0) continue;
    try {
      const failures = await failuresByConnection(pool, organizationId, since, now);
      const admins = await adminEmails(pool, organizationId);
      if (failures.length === 0 || admins.length === 0) continue;
      const positions = await streamPositions(pool, organizationId, failures.map((f) => f.connectionId));
      const health = await loadHealth(pool, organizationId, positions, now);
      await mailer.send(digestEmail(admins, failures, appUrl, health, now));
      sent++;
    } catch (err) {
      await pool.query("DELETE FROM digest_runs WHERE organization_id = $1 AND day = $2", [organizationId, day]);
      throw err;
    }
  }
  return sent;
}
