import type pg from "pg";
import { streamPositions, organizationOf } from "../connections/stream-state";
import { withTransaction } from "../db/pool";
import { failingWarningEmailJob } from "../jobs/definitions/failing-warning-email";
import type { JobSender } from "../jobs/boss";
import { sendJob } from "../jobs/job";
import { adminEmails } from "../notifications/recipients";
import { loadHealth } from "./connection-health";
import { claimWarning, type HealthRow, healthRows } from "./health-store";
import { evaluateWarning, type WarningThresholds } from "./warning-policy";

/**
 * Warns the admins of every connection among `rows` (as the last flush merged them) that the policy
 * says has failed long enough. The claim on the spell and the email job commit together, so
 * however many workers flush the same failing connection, one email is queued per spell. Returns
 * how many were queued.
 */
export async function warnFailing(pool: pg.Pool, boss: JobSender, rows: readonly HealthRow[], t: WarningThresholds, now = new Date()): Promise<number> {
  let queued = 0;
  for (const r of rows) {
    const verdict = evaluateWarning(
      { enabled: r.enabled, failingSince: r.failing_since, failingAttempts: r.failing_attempts, warnedAt: r.warned_at },
      now.getTime(),
      t,
    );
    if (!verdict.warn) continue;
    const failingSince = r.failing_since!;
    const claimed = await withTransaction(pool, async (client) => {
      if (!(await claimWarning(client, r.connection_id, failingSince, now))) return false;
      const db = { executeSql: (text: string, values: unknown[]) => client.query(text, values) };
      await sendJob(boss, failingWarningEmailJob, { connectionId: r.connection_id, failingSince: failingSince.toISOString() }, { db });
      return true;
    });
    if (claimed) queued++;
  }
  return queued;
}

/** The admins to warn and what to tell them; null when the connection is gone, paused, or delivering again. */
export async function loadFailingNotice(pool: pg.Pool, job: { connectionId: string }, now = new Date()) {
  const organizationId = await organizationOf(pool, job.connectionId);
  if (!organizationId) return null;
  const [c] = await streamPositions(pool, organizationId, [job.connectionId]);
  if (!c) return null;
  const health = (await loadHealth(pool, organizationId, [c], now)).get(c.id)!;
  // Recovered (or paused) before the email went out: the spell is over, nothing to warn about.
  if (health.state !== "FAILING") return null;
  const rows = await healthRows(pool, organizationId, [c.id]);
  return {
    to: await adminEmails(pool, organizationId),
    notice: {
      connectionId: c.id,
      connectionName: c.name,
      urlHost: new URL(c.url).host,
      health,
      failedAttempts: rows.get(c.id)?.failing_attempts ?? 0,
    },
  };
}
