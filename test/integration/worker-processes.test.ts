import type { ChildProcess } from "node:child_process";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../helpers/db";
import { startReceiver, type Receiver } from "../helpers/receiver";
import { ENCRYPTION_KEY, streamed, streamingFixture, waitUntil } from "../helpers/streaming";
import { exited, spawnWorker } from "../helpers/worker-process";
import { requestRedelivery } from "../../lib/failures/redelivery";
import PgBoss from "pg-boss";

let t: TestDatabase;
let f: Awaited<ReturnType<typeof streamingFixture>>;
const receivers: Receiver[] = [];
const workers: ChildProcess[] = [];

const workerEnv = (extra: Record<string, string> = {}) => ({ ENCRYPTION_KEY, OUTBOUND_ALLOW_CIDRS: "127.0.0.0/8", ...extra });

beforeEach(async () => {
  t = await createTestDatabase();
  f = await streamingFixture(t);
});
afterEach(async () => {
  for (const w of workers.splice(0)) {
    if (w.exitCode === null && w.signalCode === null) w.kill("SIGKILL");
    await exited(w);
  }
  await f.close();
  await Promise.all(receivers.splice(0).map((r) => r.close()));
  await t.drop();
});

const ids = (r: Receiver) => streamed(r).map((g) => (g.json as { id: string }).id);

describe("worker processes", () => {
  it("start together on a new database, all come up, and stop cleanly on SIGTERM", async () => {
    const ws = [spawnWorker(t.url, workerEnv()), spawnWorker(t.url, workerEnv()), spawnWorker(t.url, workerEnv())];
    workers.push(...ws);
    await waitUntil(async () => (await t.db.workerHeartbeat.count()) === 3, 90_000, "three workers up");
    for (const w of ws) w.kill("SIGTERM");
    await Promise.all(ws.map(exited));
    expect(ws.map((w) => w.exitCode)).toEqual([0, 0, 0]);
    expect(await t.db.workerHeartbeat.count()).toBe(0);
  }, 120_000);

  it("loses nothing when a worker is killed with SIGKILL mid-stream; another takes over", async () => {
    const r = await startReceiver();
    receivers.push(r);
    r.respondWith({ status: 200, delayMs: 1 });
    await f.connect(r);
    const events = f.events(3000);
    await f.publish(events);
    const a = spawnWorker(t.url, workerEnv({ STREAM_MAX_IN_FLIGHT: "4" }));
    workers.push(a);
    await waitUntil(() => streamed(r).length >= 600, 30_000, "the first worker to be mid-stream");
    a.kill("SIGKILL");
    await exited(a);
    const deliveredBeforeKill = streamed(r).length;
    expect(deliveredBeforeKill).toBeLessThan(3000);

    const b = spawnWorker(t.url, workerEnv({ STREAM_MAX_IN_FLIGHT: "4" }));
    workers.push(b);
    await waitUntil(() => new Set(ids(r)).size === 3000, 60_000, "every event after the takeover");
    const all = ids(r);
    expect(new Set(all)).toEqual(new Set(events.map((e) => e.id)));
    // At-least-once: only what was in flight or delivered since the last cursor write comes again.
    const duplicates = all.length - new Set(all).size;
    console.log(`kill -9 mid-stream: ${deliveredBeforeKill} delivered before the kill, ${duplicates} delivered twice`);
    expect(duplicates).toBeLessThanOrEqual(100);
  }, 120_000);

  it("never lets two workers deliver the same connection at the same time", async () => {
    const rs = await Promise.all([startReceiver(), startReceiver(), startReceiver()]);
    receivers.push(...rs);
    for (const r of rs) {
      r.respondWith(() => ({ status: 200, delayMs: Math.random() < 0.5 ? 2 : 0 }));
      await f.connect(r);
    }
    workers.push(spawnWorker(t.url, workerEnv({ STREAM_MAX_IN_FLIGHT: "1" })), spawnWorker(t.url, workerEnv({ STREAM_MAX_IN_FLIGHT: "1" })));
    const events = f.events(300);
    // Worker processes compile TypeScript on start: slow when the rest of the suite runs beside them.
    await waitUntil(async () => (await t.db.workerHeartbeat.count()) === 2, 60_000, "both workers up");
    for (let i = 0; i < 300; i += 50) await f.publish(events.slice(i, i + 50));
    for (const r of rs) await waitUntil(() => streamed(r).length >= 300, 60_000, "300 deliveries per connection");
    for (const r of rs) {
      expect(ids(r)).toEqual(events.map((e) => e.id));
      expect(r.maxConcurrent).toBe(1);
    }
  }, 120_000);

  it("stops a redelivery cleanly on SIGTERM (nothing marked failed) and the next worker finishes it", async () => {
    const r = await startReceiver();
    receivers.push(r);
    r.respondWith({ status: 200, delayMs: 40 });
    const { id: connectionId } = await f.connect(r);
    const events = f.events(80);
    await f.publish(events);
    // Given up earlier, and behind the cursor: only the redelivery sends them.
    await f.pool.query("UPDATE connections SET cursor = (SELECT max(seq) FROM events) WHERE id = $1", [connectionId]);
    await f.pool.query(
      `INSERT INTO delivery_failures (organization_id, connection_id, event_seq, event_id, event_type, attempt, attempted_at, status_code, latency_ms, outcome)
       SELECT organization_id, $1, seq, id, event_type, 1, now(), 503, 5, 'GIVEN_UP' FROM events WHERE event_type = 'USER_LOGGED_IN'`,
      [connectionId],
    );
    const first = spawnWorker(t.url, workerEnv({ STREAM_MAX_IN_FLIGHT: "2" }));
    workers.push(first);
    await waitUntil(async () => (await t.db.workerHeartbeat.count()) === 1, 90_000, "worker up");
    const boss = new PgBoss({ connectionString: t.url });
    const requested = await requestRedelivery(f.pool, boss, f.principal, { connection_id: connectionId });
    await waitUntil(() => streamed(r).length >= 10, 20_000, "redelivery under way");
    first.kill("SIGTERM");
    await exited(first);
    expect(first.exitCode).toBe(0);
    const midway = await t.db.redelivery.findUniqueOrThrow({ where: { id: requested.id } });
    expect(midway.status).toBe("RUNNING");
    expect(midway.failed).toBe(0);
    expect(midway.succeeded).toBeLessThan(80);

    const second = spawnWorker(t.url, workerEnv());
    workers.push(second);
    await waitUntil(async () => (await t.db.redelivery.findUniqueOrThrow({ where: { id: requested.id } })).status === "COMPLETED", 60_000, "completed by the next worker");
    const done = await t.db.redelivery.findUniqueOrThrow({ where: { id: requested.id } });
    expect(done).toMatchObject({ total: 80, succeeded: 80, failed: 0, skipped: 0 });
    // A graceful stop lets requests in flight finish and records them: each event went out exactly once.
    expect(ids(r).sort()).toEqual(events.map((e) => e.id).sort());
  }, 120_000);
});
