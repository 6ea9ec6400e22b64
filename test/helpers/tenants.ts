import type pg from "pg";
import { slotSql } from "../../lib/delivery/stream-slots";
import { SLOT_LOCK } from "../../lib/worker-presence";

/**
 * Many organizations with a few connections each, inserted in bulk as an operator's import would
 * (the connection service tests each destination first; this does not). Every connection sends to
 * `url` with `?c=<its id>` added, so one receiver tells the connections apart; none has a secret.
 * With a list of URLs, an organization's k-th connection sends to the k-th (cycling).
 * Cursors start at the latest event. Returns the organizations' ids.
 */
export async function insertTenants(
  db: Pick<pg.Pool, "query">,
  o: { organizations: number; connectionsPerOrg: number; url: string | readonly string[] },
): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `WITH orgs AS (
       INSERT INTO organizations (id, name) SELECT gen_random_uuid(), 'Tenant ' || i FROM generate_series(1, $1::int) AS i RETURNING id),
     conns AS MATERIALIZED (SELECT gen_random_uuid() AS id, orgs.id AS organization_id, k FROM orgs CROSS JOIN generate_series(1, $2::int) AS k),
     inserted AS (
       INSERT INTO connections (id, organization_id, name, url, auth_type, cursor, updated_at)
       SELECT id, organization_id, 'Destination ' || k, u || CASE WHEN position('?' IN u) > 0 THEN '&' ELSE '?' END || 'c=' || id, 'NONE',
              (SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM events_seq_seq), now()
       FROM conns CROSS JOIN LATERAL (SELECT ($3::text[])[1 + (k - 1) % cardinality($3::text[])] AS u) AS urls)
     SELECT id FROM orgs`,
    [o.organizations, o.connectionsPerOrg, typeof o.url === "string" ? [o.url] : o.url],
  );
  return rows.map((r) => r.id);
}

/** How many enabled connections each worker streams now, by the database session (pid) holding their slots. */
export async function connectionsByHolder(db: Pick<pg.Pool, "query">): Promise<Map<number, number>> {
  const { rows } = await db.query<{ pid: number; n: number }>(
    `SELECT l.pid, count(c.id)::int AS n FROM pg_locks l JOIN connections c ON ${slotSql("c.id")} = l.objid::int AND c.enabled
     WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2 AND l.classid = ${SLOT_LOCK}
       AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
     GROUP BY l.pid`,
  );
  return new Map(rows.map((r) => [r.pid, r.n]));
}
