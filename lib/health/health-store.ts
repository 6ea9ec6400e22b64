import type pg from "pg";
import type { Sql } from "../db/sql";

// Every statement on `connection_health` (node-postgres, or a Prisma transaction through `Sql`; see
// README › Architecture › Stores): per connection the last success, the last failure and the current
// failing spell, merged from what every worker saw, and whether the spell's warning went out.

type Db = Pick<pg.Pool, "query">;

/** What one worker saw of a connection since its last flush (times in ms since the epoch). */
export type HealthDelta = {
  connectionId: string;
  lastSuccessAt: number | null;
  lastFailureAt: number | null;
  /** The first failure after this delta's last success (or its first failure, without a success). */
  failingSince: number | null;
  /** Failures after this delta's last success. */
  failingAttempts: number;
};

export type HealthRow = {
  connection_id: string;
  organization_id: string;
  enabled: boolean;
  last_success_at: Date | null;
  last_failure_at: Date | null;
  failing_since: Date | null;
  failing_attempts: number;
  warned_at: Date | null;
};

// Merging a stored summary h with a delta x (either may be the other worker's, and older): the
// last success is the later of the two; a side's failures count towards the spell when its last
// failure came after that success, from its spell's start (or the success, if that is later). A
// stored spell that ended takes its warning with it.
const LAST_SUCCESS = "greatest(h.last_success_at, excluded.last_success_at)";
const after = (side: string) => `${side}.last_failure_at > coalesce(${LAST_SUCCESS}, '-infinity'::timestamptz)`;
const spell = (side: string) => `CASE WHEN ${after(side)} THEN greatest(${side}.failing_since, ${LAST_SUCCESS}) END`;
const attempts = (side: string) => `CASE WHEN ${after(side)} THEN ${side}.failing_attempts ELSE 0 END`;

/**
 * Merges deltas into the stored summaries in one statement (rows in key order, so concurrent
 * flushes cannot deadlock) and returns the merged rows with whether each connection is enabled.
 */
export async function mergeHealth(db: Db, deltas: readonly HealthDelta[], now = new Date()): Promise<HealthRow[]> {
  if (deltas.length === 0) return [];
  const at = (ms: number | null) => (ms === null ? null : new Date(ms));
  const { rows } = await db.query<HealthRow>(
    `INSERT INTO connection_health AS h (connection_id, organization_id, last_success_at, last_failure_at, failing_since, failing_attempts, updated_at)
     SELECT u.cid, c.organization_id, u.ls, u.lf, u.fs, u.n, $6
     FROM unnest($1::uuid[], $2::timestamptz[], $3::timestamptz[], $4::timestamptz[], $5::int[]) AS u(cid, ls, lf, fs, n)
     JOIN connections c ON c.id = u.cid
     ORDER BY u.cid
     ON CONFLICT (connection_id) DO UPDATE SET
       last_success_at = ${LAST_SUCCESS},
       last_failure_at = greatest(h.last_failure_at, excluded.last_failure_at),
       failing_since = least(${spell("h")}, ${spell("excluded")}),
       failing_attempts = ${attempts("h")} + ${attempts("excluded")},
       warned_at = CASE WHEN ${after("h")} THEN h.warned_at END,
       updated_at = excluded.updated_at
     RETURNING connection_id, organization_id, (SELECT c.enabled FROM connections c WHERE c.id = connection_id) AS enabled,
               last_success_at, last_failure_at, failing_since, failing_attempts, warned_at`,
    [
      deltas.map((d) => d.connectionId),
      deltas.map((d) => at(d.lastSuccessAt)),
      deltas.map((d) => at(d.lastFailureAt)),
      deltas.map((d) => at(d.failingSince)),
      deltas.map((d) => d.failingAttempts),
      now,
    ],
  );
  return rows;
}

/** The organization's stored summaries of these connections (a connection never attempted has none). */
export async function healthRows(db: Db, organizationId: string, connectionIds: readonly string[]): Promise<Map<string, Omit<HealthRow, "enabled">>> {
  if (connectionIds.length === 0) return new Map();
  const { rows } = await db.query<Omit<HealthRow, "enabled">>(
    `SELECT connection_id, organization_id, last_success_at, last_failure_at, failing_since, failing_attempts, warned_at
     FROM connection_health WHERE organization_id = $1 AND connection_id = ANY($2::uuid[])`,
    [organizationId, connectionIds],
  );
  return new Map(rows.map((r) => [r.connection_id, r]));
}

/**
 * Marks the warning of this failing spell as sent, if it was not and the connection is still
 * enabled and still in that spell: the one statement that makes the warning once per spell
 * however many workers look. Returns false when there is nothing to claim.
 */
export async function claimWarning(db: Db, connectionId: string, failingSince: Date, now: Date): Promise<boolean> {
  const r = await db.query(
    `UPDATE connection_health h SET warned_at = $3
     WHERE h.connection_id = $1 AND h.failing_since = $2 AND h.warned_at IS NULL
       AND EXISTS (SELECT 1 FROM connections c WHERE c.id = h.connection_id AND c.enabled)`,
    [connectionId, failingSince, now],
  );
  return (r.rowCount ?? 0) > 0;
}

/** Re-enabling a connection starts afresh: the spell it was in before it was paused is over. */
export async function endSpell(sql: Sql, connectionId: string): Promise<void> {
  await sql.run("UPDATE connection_health SET failing_since = NULL, failing_attempts = 0, warned_at = NULL WHERE connection_id = $1::uuid", [connectionId]);
}
