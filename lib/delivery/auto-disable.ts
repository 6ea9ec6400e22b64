import type pg from "pg";
import { CONNECTIONS_CHANNEL } from "../events/channels";
import { wireEvent } from "../events/envelope";
import { EVENT_TYPES } from "../events/event-types";
import { insertEvents } from "../events/publish";
import { withTransaction } from "../db/pool";
import { autoDisabledEmailJob } from "../jobs/definitions/auto-disabled-email";
import type { JobSender } from "../jobs/boss";
import { sendJob } from "../jobs/job";
import type { HealthVerdict } from "./auto-disable-policy";

export type AutoDisabledJob = { connectionId: string; disabledAt: string };

/**
 * Disables a connection for its failure rate. The conditional UPDATE, the audit event and the
 * email job commit together, so however many workers see the same failures, exactly one disables
 * it and exactly one email job exists. Returns false when it was already disabled.
 */
export async function autoDisable(
  pool: pg.Pool,
  boss: JobSender,
  connectionId: string,
  verdict: Extract<HealthVerdict, { disable: true }>,
  now = new Date(),
): Promise<boolean> {
  return withTransaction(pool, async (client) => {
    const { rows } = await client.query<{ organization_id: string; name: string; url: string; auth_type: string }>(
      `UPDATE connections SET enabled = false, disabled_at = $2, disabled_reason = 'AUTO', disabled_by_id = NULL,
              disabled_details = $3::jsonb, updated_at = $2
       WHERE id = $1 AND enabled RETURNING organization_id, name, url, auth_type::text`,
      [connectionId, now, JSON.stringify({ rule: verdict.rule, summary: verdict.summary, ...verdict.numbers })],
    );
    const row = rows[0];
    if (!row) return false; // already disabled: the UPDATE changed nothing
    const urlHost = new URL(row.url).host;
    await insertEvents(client, row.organization_id, [
      wireEvent({
        eventType: EVENT_TYPES.connectionAutoDisabled,
        severity: "ALERT",
        timestamp: now,
        data: { connection_id: connectionId, connection_name: row.name, url_host: urlHost, auth_type: row.auth_type, reason: "AUTO", rule: verdict.rule, summary: verdict.summary, ...verdict.numbers },
      }),
    ]);
    await client.query("SELECT pg_notify($1, $2)", [CONNECTIONS_CHANNEL, connectionId]);
    await sendJob(boss, autoDisabledEmailJob, { connectionId, disabledAt: now.toISOString() }, { db: { executeSql: (text, values) => client.query(text, values) } });
    return true;
  });
}

/** The admins to tell and what to tell them, for a job; null when the connection is gone or re-enabled since. */
export async function loadAutoDisabledNotice(pool: pg.Pool, job: AutoDisabledJob) {
  const { rows } = await pool.query<{ name: string; url: string; organization_id: string; disabled_reason: string | null; disabled_details: { summary?: string } | null }>(
    "SELECT name, url, organization_id, disabled_reason::text, disabled_details FROM connections WHERE id = $1",
    [job.connectionId],
  );
  const c = rows[0];
  if (!c) return null;
  const admins = await pool.query<{ email: string }>("SELECT email FROM users WHERE organization_id = $1 AND role = 'ADMIN' ORDER BY email", [c.organization_id]);
  return {
    to: admins.rows.map((a) => a.email),
    notice: {
      connectionId: job.connectionId,
      connectionName: c.name,
      urlHost: new URL(c.url).host,
      disabledAt: job.disabledAt,
      summary: c.disabled_details?.summary ?? "Deliveries kept failing.",
    },
  };
}
