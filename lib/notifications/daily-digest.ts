import type pg from "pg";
import type { Mail, Mailer } from "./mailer";

export type ConnectionFailures = {
  connectionId: string;
  connectionName: string;
  failedDeliveries: number;
  failedAttempts: number;
  topErrors: { label: string; count: number }[];
};

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
const plural = (n: number, one: string, many: string) => `${n.toLocaleString("en-US")} ${n === 1 ? one : many}`;

/** Per connection of the organization: failed deliveries (distinct events) and top errors in the window. */
export async function collectFailures(pool: pg.Pool, organizationId: string, since: Date, until: Date): Promise<ConnectionFailures[]> {
  const { rows } = await pool.query<{ id: string; name: string; deliveries: string; attempts: string; top: { label: string; count: number }[] }>(
    `SELECT c.id, c.name,
            count(DISTINCT f.event_seq)::text AS deliveries, count(*)::text AS attempts,
            (SELECT coalesce(json_agg(t ORDER BY t.count DESC, t.label), '[]'::json) FROM (
               SELECT coalesce('HTTP ' || f2.status_code, f2.error, 'unknown error') AS label, count(*)::int AS count
               FROM delivery_failures f2
               WHERE f2.connection_id = c.id AND f2.attempted_at >= $2 AND f2.attempted_at < $3
               GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 3) t) AS top
     FROM delivery_failures f JOIN connections c ON c.id = f.connection_id
     WHERE f.organization_id = $1 AND f.attempted_at >= $2 AND f.attempted_at < $3
     GROUP BY c.id, c.name ORDER BY count(DISTINCT f.event_seq) DESC, c.name`,
    [organizationId, since, until],
  );
  return rows.map((r) => ({
    connectionId: r.id,
    connectionName: r.name,
    failedDeliveries: Number(r.deliveries),
    failedAttempts: Number(r.attempts),
    topErrors: r.top,
  }));
}

export function digestEmail(to: string[], failures: ConnectionFailures[], appUrl: string): Mail {
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
  const orgs = await pool.query<{ organization_id: string }>(
    "SELECT DISTINCT organization_id FROM delivery_failures WHERE attempted_at >= $1 AND attempted_at < $2",
    [since, now],
  );
  let sent = 0;
  for (const { organization_id: organizationId } of orgs.rows) {
    const claim = await pool.query("INSERT INTO digest_runs (organization_id, day) VALUES ($1, $2) ON CONFLICT DO NOTHING", [organizationId, day]);
    if (claim.rowCount === 0) continue;
    try {
      const failures = await collectFailures(pool, organizationId, since, now);
      const admins = await pool.query<{ email: string }>("SELECT email FROM users WHERE organization_id = $1 AND role = 'ADMIN' ORDER BY email", [
        organizationId,
      ]);
      if (failures.length === 0 || admins.rows.length === 0) continue;
      await mailer.send(digestEmail(admins.rows.map((a) => a.email), failures, appUrl));
      sent++;
    } catch (err) {
      await pool.query("DELETE FROM digest_runs WHERE organization_id = $1 AND day = $2", [organizationId, day]);
      throw err;
    }
  }
  return sent;
}
