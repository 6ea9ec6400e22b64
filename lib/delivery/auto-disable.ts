import type pg from "pg";
import { CONNECTIONS_CHANNEL } from "../events/channels";
import { wireEvent } from "../events/envelope";
import { EVENT_TYPES } from "../events/event-types";
import { insertEvents } from "../events/publish";
import { disabledState, disableForFailures, streamPositions } from "../connections/stream-state";
import { loadHealth } from "../health/connection-health";
import { withTransaction } from "../db/pool";
import { autoDisabledEmailJob } from "../jobs/definitions/auto-disabled-email";
import type { JobSender } from "../jobs/boss";
import { sendJob } from "../jobs/job";
import { adminEmails } from "../notifications/recipients";
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
    const row = await disableForFailures(client, connectionId, now, { rule: verdict.rule, summary: verdict.summary, ...verdict.numbers });
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
  const c = await disabledState(pool, job.connectionId);
  if (!c) return null;
  const positions = await streamPositions(pool, c.organization_id, [job.connectionId]);
  const health = positions.length ? (await loadHealth(pool, c.organization_id, positions)).get(job.connectionId) : undefined;
  return {
    to: await adminEmails(pool, c.organization_id),
    notice: {
      connectionId: job.connectionId,
      connectionName: c.name,
      urlHost: new URL(c.url).host,
      disabledAt: job.disabledAt,
      summary: c.disabled_details?.summary ?? "Deliveries kept failing.",
      health,
    },
  };
}
