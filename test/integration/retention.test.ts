import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { purgeExpired } from "../../lib/failures/retention";
import { createTestDatabase, type TestDatabase } from "../helpers/db";
import { startReceiver, type Receiver } from "../helpers/receiver";
import { streamingFixture } from "../helpers/streaming";

const DAY = 24 * 3600_000;
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

async function age(eventIds: string[], days: number) {
  await f.pool.query("UPDATE events SET created_at = now() - make_interval(days => $2) WHERE id = ANY($1::uuid[])", [eventIds, days]);
}

describe("retention", () => {
  it("purges failures older than 30 days and old events no cursor or listed failure needs, in batches", async () => {
    const { id: connectionId } = await f.connect(r);
    const old = f.events(12, "OLD");
    await f.publish(old);
    await age(old.map((e) => e.id), 40);
    const seqs = await t.db.event.findMany({ where: { eventType: "OLD" }, orderBy: { seq: "asc" }, select: { seq: true, id: true } });
    // The cursor has settled the first 10 old events; the last 2 are still ahead of it.
    await t.db.connection.update({ where: { id: connectionId }, data: { cursor: seqs[9]!.seq } });
    const failure = (seq: bigint, eventId: string, daysAgo: number) => ({
      organizationId: f.principal.organizationId,
      connectionId,
      eventSeq: seq,
      eventId,
      eventType: "OLD",
      attempt: 1,
      attemptedAt: new Date(Date.now() - daysAgo * DAY),
      statusCode: 500,
      latencyMs: 3,
      outcome: "GIVEN_UP" as const,
    });
    await t.db.deliveryFailure.createMany({
      data: [failure(seqs[0]!.seq, seqs[0]!.id, 31), failure(seqs[0]!.seq, seqs[0]!.id, 35), failure(seqs[1]!.seq, seqs[1]!.id, 2)],
    });

    const redelivery = (daysAgo: number, status: "COMPLETED" | "RUNNING") =>
      t.db.redelivery.create({
        data: { organizationId: f.principal.organizationId, criteria: {}, total: 1, status, createdAt: new Date(Date.now() - daysAgo * DAY) },
      });
    const oldDone = await redelivery(31, "COMPLETED");
    const oldRunning = await redelivery(31, "RUNNING");
    const recent = await redelivery(1, "COMPLETED");

    // Per-minute statistics: 7 minutes older than the 8 days the charts can show, 2 recent ones.
    const minute = (daysAgo: number, i: number) => new Date(Math.floor((Date.now() - daysAgo * DAY) / 60_000) * 60_000 - i * 60_000);
    await t.db.connectionStats.createMany({
      data: [...Array.from({ length: 7 }, (_, i) => minute(9, i)), minute(6, 0), minute(0, 1)].map((m) => ({
        connectionId,
        organizationId: f.principal.organizationId,
        minute: m,
        delivered: 1,
        latencyBuckets: [],
      })),
    });

    const result = await purgeExpired(f.pool, new Date(), 3);
    expect(result).toEqual({ failures: 2, events: 9, redeliveries: 1, statsMinutes: 7 });
    expect(await t.db.connectionStats.count()).toBe(2);
    const keptRedeliveries = (await t.db.redelivery.findMany({ select: { id: true } })).map((x) => x.id);
    expect(keptRedeliveries.sort()).toEqual([oldRunning.id, recent.id].sort());
    expect(keptRedeliveries).not.toContain(oldDone.id);
    const left = await t.db.event.findMany({ where: { eventType: "OLD" }, orderBy: { seq: "asc" }, select: { seq: true } });
    // Kept: the one a recent failure can still redeliver, and the two the cursor has not passed.
    expect(left.map((e) => e.seq)).toEqual([seqs[1]!.seq, seqs[10]!.seq, seqs[11]!.seq]);
    expect(await t.db.deliveryFailure.count()).toBe(1);
    // Recent events are untouched.
    expect(await t.db.event.count({ where: { eventType: { not: "OLD" } } })).toBeGreaterThan(0);
  });
});
