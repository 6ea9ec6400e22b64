import type pg from "pg";
import { withTransaction } from "../db/pool";
import { LONG_PAUSE_MS } from "../delivery/resume-cursor";
import { minListedEventSeqSql, retentionFloor } from "../failures/failure-store";
import { LATEST_SEQ_SQL } from "./event-store";
import { DEFAULT_POLICY, type EventPartitionInfo, nextEventPartition, type PartitionPolicy } from "./partition-plan";

// Every statement on `event_partitions`, and the partitions of `events` it records: created ahead
// by the maintenance job (and by a writer that found none), dropped whole by retention. The DDL
// runs in the migration's SECURITY DEFINER functions (prisma/migrations/20261201090000_partitions).

type Db = Pick<pg.Pool, "query">;

// Upkeeps of several workers take turns (each reads what the previous one created).
const UPKEEP_LOCK = 72707382;

type Row = { name: string; from_seq: string; to_seq: string; started_at: Date | null; filled_at: Date | null };

const toInfo = (r: Row): EventPartitionInfo => ({
  name: r.name,
  fromSeq: BigInt(r.from_seq),
  toSeq: BigInt(r.to_seq),
  startedAt: r.started_at,
  filledAt: r.filled_at,
});

export async function listEventPartitions(db: Db): Promise<EventPartitionInfo[]> {
  const { rows } = await db.query<Row>("SELECT name, from_seq::text, to_seq::text, started_at, filled_at FROM event_partitions ORDER BY from_seq");
  return rows.map(toInfo);
}

/**
 * Records which partitions began to fill and which are full, then creates the next one when the
 * last has begun (nextEventPartition). Returns the name of the partition created, if any.
 */
export async function upkeepEventPartitions(pool: pg.Pool, now = new Date(), policy: PartitionPolicy = DEFAULT_POLICY): Promise<string | null> {
  return withTransaction(pool, async (client) => {
    await client.query("SELECT pg_advisory_xact_lock($1)", [UPKEEP_LOCK]);
    const latest = BigInt((await client.query<{ seq: string }>(`SELECT (${LATEST_SEQ_SQL})::text AS seq`)).rows[0]!.seq);
    await client.query("UPDATE event_partitions SET started_at = $2 WHERE started_at IS NULL AND filled_at IS NULL AND from_seq <= $1", [latest.toString(), now]);
    await client.query("UPDATE event_partitions SET filled_at = $2 WHERE filled_at IS NULL AND to_seq - 1 <= $1", [latest.toString(), now]);
    const next = nextEventPartition(await listEventPartitions(client), latest, now, policy);
    if (!next) return null;
    const { rows } = await client.query<{ name: string }>("SELECT tributary_add_events_partition($1, $2) AS name", [next.fromSeq.toString(), next.toSeq.toString()]);
    return rows[0]!.name;
  });
}

/** An insert found no partition for its sequence number: the writers ran past the last partition. */
export function isMissingEventPartition(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  return e?.code === "23514" && typeof e.message === "string" && e.message.startsWith('no partition of relation "events"');
}

/**
 * The partitions retention may drop at `now`: full since before the 30-day floor, every event in
 * them settled by the cursor of every connection that may still deliver it (enabled, or paused for
 * less than 7 days: one paused longer resumes from the latest events), and none that a listed
 * failure could redeliver.
 */
export async function expiredEventPartitions(db: Db, now = new Date()): Promise<EventPartitionInfo[]> {
  const floor = retentionFloor(now);
  const { rows } = await db.query<Row>(
    `SELECT p.name, p.from_seq::text, p.to_seq::text, p.started_at, p.filled_at FROM event_partitions p
     WHERE p.filled_at < $1
       AND p.to_seq <= coalesce((${minListedEventSeqSql("$1")}), p.to_seq)
       AND NOT EXISTS (
         SELECT 1 FROM connections c
         WHERE (c.enabled OR c.disabled_at > $2) AND c.cursor < p.to_seq - 1
           AND EXISTS (SELECT 1 FROM events e WHERE e.organization_id = c.organization_id
                         AND e.seq > greatest(c.cursor, p.from_seq - 1) AND e.seq < p.to_seq))
     ORDER BY p.from_seq`,
    [floor, new Date(now.getTime() - LONG_PAUSE_MS)],
  );
  return rows.map(toInfo);
}

/**
 * Drops a partition of `events`. Dropping takes a short exclusive lock on the table, so it waits at
 * most a second for the readers and writers in progress (the function's lock_timeout) and tries again
 * a few times. Returns false when it could not get the lock (the next day's retention tries again).
 */
export async function dropEventPartition(db: Db, name: string, attempts = 5): Promise<boolean> {
  for (let i = 1; ; i++) {
    try {
      await db.query("SELECT tributary_drop_events_partition($1)", [name]);
      return true;
    } catch (err) {
      if ((err as { code?: string }).code !== "55P03" || i >= attempts) {
        if ((err as { code?: string }).code === "55P03") return false;
        throw err;
      }
      await new Promise((r) => setTimeout(r, 200 * i));
    }
  }
}

/** Drops every expired partition (expiredEventPartitions); returns the names dropped. */
export async function dropExpiredEventPartitions(db: Db, now = new Date()): Promise<string[]> {
  const dropped: string[] = [];
  for (const p of await expiredEventPartitions(db, now)) if (await dropEventPartition(db, p.name)) dropped.push(p.name);
  return dropped;
}
