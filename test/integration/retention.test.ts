import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { listEventPartitions, upkeepEventPartitions } from "../../lib/events/event-partitions";
import type { PartitionPolicy } from "../../lib/events/partition-plan";
import { listFailurePartitions, retentionFloor, upkeepFailurePartitions } from "../../lib/failures/failure-store";
import { purgeExpired } from "../../lib/failures/retention";
import { createTestDatabase, type TestDatabase } from "../helpers/db";
import { startReceiver, type Receiver } from "../helpers/receiver";
import { streamingFixture } from "../helpers/streaming";

// Partitions of `events` and `delivery_failures`, created ahead and dropped whole by retention, all
// as the application's role (t.url: no CREATE on the schema, owns no table): it goes through the
// migration's SECURITY DEFINER functions.

const DAY = 24 * 3600_000;
const SMALL: PartitionPolicy = { spanMs: 7 * DAY, minSize: 100n, maxSize: 100n, initialSize: 100n };

let t: TestDatabase;
let f: Awaited<ReturnType<typeof streamingFixture>>;
let r: Receiver;

beforeEach(async () => {
  t = await createTestDatabase();
  f = await streamingFixture(t);
  r = await startReceiver();
});
afterEach(async () => {
  await f.close();
  await r.close();
  await t.drop();
});

/** The partition of `events` each of these events is stored in. */
async function partitionsOf(ids: string[]): Promise<Set<string>> {
  const { rows } = await t.pool.query<{ p: string }>("SELECT DISTINCT tableoid::regclass::text AS p FROM events WHERE id = ANY($1::uuid[])", [ids]);
  return new Set(rows.map((x) => x.p));
}

/** Moves the sequence so the next event is numbered `next` (the app role may: it draws numbers too). */
async function nextSeq(next: bigint) {
  await t.pool.query("SELECT setval('events_seq_seq', $1, false)", [next.toString()]);
}

async function failure(connectionId: string, seq: bigint, eventId: string, attemptedAt: Date) {
  await t.pool.query(
    `INSERT INTO delivery_failures (organization_id, connection_id, event_seq, event_id, event_type, attempt, attempted_at, status_code, latency_ms, outcome)
     VALUES ($1, $2, $3, $4, 'OLD', 1, $5, 500, 3, 'GIVEN_UP')`,
    [f.principal.organizationId, connectionId, seq.toString(), eventId, attemptedAt],
  );
}

describe("partitions of events", () => {
  it("are created ahead once the last one begins, and by a writer that ran past the last one", async () => {
    const before = await listEventPartitions(t.pool);
    const last = before.at(-1)!;
    // Nothing written into the last partition yet: nothing to add.
    expect(await upkeepEventPartitions(t.pool, new Date(), SMALL)).toBeNull();

    await f.publish(f.events(2));
    const ahead = await upkeepEventPartitions(t.pool, new Date(), SMALL);
    expect(ahead).toBe(`events_p${last.toSeq}`);
    const after = await listEventPartitions(t.pool);
    expect(after.at(-1)).toMatchObject({ name: ahead, fromSeq: last.toSeq, toSeq: last.toSeq + 100n, filledAt: null });
    expect(after.find((p) => p.name === last.name)!.startedAt).not.toBeNull();

    // A burst beyond every partition: the publisher creates the one it needs and writes.
    await nextSeq(last.toSeq + 1_000n);
    const burst = f.events(3);
    expect(await f.publish(burst)).toBe(3);
    const created = (await listEventPartitions(t.pool)).at(-1)!;
    expect(created.fromSeq).toBe(last.toSeq + 100n);
    expect(created.toSeq).toBeGreaterThan(last.toSeq + 1_002n);
    expect(await partitionsOf(burst.map((e) => e.id))).toEqual(new Set([created.name]));
    // Ingest stays idempotent across partitions: the same ids again write nothing.
    expect(await f.publish(burst)).toBe(0);
  });

  it("may not be created or dropped by the application's role except through the functions", async () => {
    const p = (await listEventPartitions(t.pool)).at(-1)!;
    await expect(t.pool.query(`DROP TABLE ${p.name}`)).rejects.toMatchObject({ code: "42501" });
    await expect(t.pool.query("CREATE TABLE events_px (LIKE events)")).rejects.toMatchObject({ code: "42501" });
    // The drop function refuses anything but a recorded partition of events.
    await expect(t.pool.query("SELECT tributary_drop_events_partition('connections')")).rejects.toThrow(/not a range partition of events/);
    await expect(t.pool.query("SELECT tributary_drop_failures_partition('events')")).rejects.toThrow(/not a range partition of delivery_failures/);
  });
});

describe("retention", () => {
  it("drops whole partitions past 30 days that no cursor or listed failure needs, keeps the others", async () => {
    const { id: connectionId } = await f.connect(r);
    const first = (await listEventPartitions(t.pool)).at(-1)!;
    // Old events fill a partition of their own.
    const old = f.events(5, "OLD");
    await f.publish(old);
    await upkeepEventPartitions(t.pool, new Date(), SMALL);
    await nextSeq(first.toSeq);
    const recent = f.events(2, "RECENT");
    await f.publish(recent);
    await upkeepEventPartitions(t.pool, new Date(), SMALL);
    expect(await partitionsOf(old.map((e) => e.id))).toEqual(new Set([first.name]));
    const { rows: oldSeqs } = await t.pool.query<{ seq: string; id: string }>("SELECT seq::text, id FROM events WHERE event_type = 'OLD' ORDER BY seq");

    // Filled 40 days ago, as far as the maintenance job's records go.
    const now = new Date();
    await t.pool.query("UPDATE event_partitions SET started_at = $2, filled_at = $2 WHERE name = $1", [first.name, new Date(now.getTime() - 40 * DAY)]);
    // The connection has not settled the old events: the partition stays.
    await t.pool.query("UPDATE connections SET cursor = $2 WHERE id = $1", [connectionId, (first.fromSeq - 1n).toString()]);
    expect((await purgeExpired(t.pool, now)).eventPartitions).toEqual([]);

    // Settled, but a failure still listed can redeliver one of them: it stays.
    await t.pool.query("UPDATE connections SET cursor = $2 WHERE id = $1", [connectionId, (first.toSeq + 10n).toString()]);
    await failure(connectionId, BigInt(oldSeqs[0]!.seq), oldSeqs[0]!.id, new Date(now.getTime() - 2 * DAY));
    expect((await purgeExpired(t.pool, now)).eventPartitions).toEqual([]);

    // Six weeks later that failure is past the list too: its week goes, then the events' partition.
    const later = new Date(now.getTime() + 45 * DAY);
    await upkeepFailurePartitions(t.pool, later);
    const result = await purgeExpired(t.pool, later);
    // (The table as it was before partitioning, empty in a fresh database, is as old as the migration.)
    expect(result.eventPartitions.filter((n) => n !== "events_legacy")).toEqual([first.name]);
    expect(result.failurePartitions.length).toBeGreaterThan(0);
    expect(await t.pool.query("SELECT count(*)::int AS n FROM events WHERE event_type = 'OLD'")).toMatchObject({ rows: [{ n: 0 }] });
    expect(await t.pool.query("SELECT count(*)::int AS n FROM events WHERE event_type = 'RECENT'")).toMatchObject({ rows: [{ n: 2 }] });
    expect((await listEventPartitions(t.pool)).map((p) => p.name)).not.toContain(first.name);
    expect(await t.pool.query("SELECT to_regclass($1) AS r", [first.name])).toMatchObject({ rows: [{ r: null }] });
    // Every failure partition left ends after the floor; every one dropped ended before it.
    for (const p of await listFailurePartitions(t.pool)) expect(p.until.getTime()).toBeGreaterThan(retentionFloor(later).getTime());
    expect(await t.pool.query("SELECT count(*)::int AS n FROM delivery_failures")).toMatchObject({ rows: [{ n: 0 }] });
  });

  it("keeps a failure partition with attempts still listed, deletes finished redeliveries past 30 days and statistics past 8 days", async () => {
    const { id: connectionId } = await f.connect(r);
    const e = f.events(1, "OLD");
    await f.publish(e);
    const { rows } = await t.pool.query<{ seq: string }>("SELECT seq::text FROM events WHERE id = $1", [e[0]!.id]);
    const now = new Date();
    await failure(connectionId, BigInt(rows[0]!.seq), e[0]!.id, now);
    const redelivery = async (daysAgo: number, status: "COMPLETED" | "RUNNING") =>
      (
        await t.pool.query<{ id: string }>(
          "INSERT INTO redeliveries (id, organization_id, criteria, total, status, created_at) VALUES (gen_random_uuid(), $1, '{}', 1, $2, $3) RETURNING id",
          [f.principal.organizationId, status, new Date(now.getTime() - daysAgo * DAY)],
        )
      ).rows[0]!.id;
    const oldDone = await redelivery(31, "COMPLETED");
    const oldRunning = await redelivery(31, "RUNNING");
    const recent = await redelivery(1, "COMPLETED");

    // Per-minute statistics: 7 minutes older than the 8 days the charts can show, 2 recent ones.
    const minute = (daysAgo: number, i: number) => new Date(Math.floor((now.getTime() - daysAgo * DAY) / 60_000) * 60_000 - i * 60_000);
    await t.db.connectionStats.createMany({
      data: [...Array.from({ length: 7 }, (_, i) => minute(9, i)), minute(6, 0), minute(0, 1)].map((m) => ({
        connectionId,
        organizationId: f.principal.organizationId,
        minute: m,
        delivered: 1,
        latencyBuckets: [],
      })),
    });

    const result = await purgeExpired(t.pool, now, 3);
    expect(result.failurePartitions).toEqual([]);
    expect(result.redeliveries).toBe(1);
    expect(result.statsMinutes).toBe(7);
    expect(result.eventTypes).toBe(0);
    expect(await t.db.connectionStats.count()).toBe(2);
    expect(await t.pool.query("SELECT count(*)::int AS n FROM delivery_failures")).toMatchObject({ rows: [{ n: 1 }] });
    const kept = (await t.pool.query<{ id: string }>("SELECT id FROM redeliveries")).rows.map((x) => x.id).sort();
    expect(kept).toEqual([oldRunning, recent].sort());
    expect(kept).not.toContain(oldDone);
  });
});
