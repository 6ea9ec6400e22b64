import pg from "pg";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { deleteConnection } from "../../lib/connections/service";
import { MetricsCollector } from "../../lib/delivery/metrics";
import { type FailedAttempt, recordFailures } from "../../lib/failures/failure-store";
import { createTestDatabase, type TestDatabase } from "../helpers/db";
import { startReceiver, type Receiver } from "../helpers/receiver";
import { streamed, streamingFixture, waitUntil } from "../helpers/streaming";

// A connection deleted while a worker is in the middle of its batch: the worker's writes that refer
// to it (failed attempts, counters, per-minute statistics, health) drop its rows quietly; the
// others' rows are written as usual. No foreign-key error (23503), nothing logged.

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

const attempt = (connectionId: string, seq: bigint): FailedAttempt => ({
  organizationId: f.principal.organizationId,
  connectionId,
  eventSeq: seq,
  eventId: crypto.randomUUID(),
  eventType: "USER_LOGGED_IN",
  attempt: 1,
  attemptedAt: new Date(),
  statusCode: 503,
  error: null,
  responseExcerpt: null,
  latencyMs: 4,
  outcome: "RETRYING",
});

/**
 * Deletes the connection in a transaction left open, runs `write` (which must come to wait for that
 * delete), then commits the delete: the write meets a connection that vanished under it.
 */
async function deleteDuring<T>(connectionId: string, write: () => Promise<T>): Promise<T> {
  const deleter = new pg.Client({ connectionString: t.url, application_name: "deleter" });
  await deleter.connect();
  try {
    await deleter.query("BEGIN");
    await deleter.query("DELETE FROM connections WHERE id = $1", [connectionId]);
    const pending = write();
    pending.catch(() => undefined);
    await waitUntil(
      async () =>
        (
          await t.pool.query<{ n: number }>(
            "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND application_name <> 'deleter'",
          )
        ).rows[0]!.n > 0,
      10_000,
      "the write to wait for the delete",
    );
    await deleter.query("COMMIT");
    return await pending;
  } finally {
    await deleter.end();
  }
}

const count = async (sql: string, params: unknown[] = []) => (await t.pool.query<{ n: number }>(sql, params)).rows[0]!.n;

describe("a connection deleted mid-stream", () => {
  it("drops its failed attempts being recorded and keeps the others'", async () => {
    const gone = await f.connect(r, { type: "NONE" }, "Gone");
    const kept = await f.connect(r, { type: "NONE" }, "Kept");
    await deleteDuring(gone.id, () => recordFailures(f.pool, [attempt(gone.id, 1n), attempt(kept.id, 1n), attempt(gone.id, 2n)]));
    expect(await count("SELECT count(*)::int AS n FROM delivery_failures WHERE connection_id = $1", [kept.id])).toBe(1);
    expect(await count("SELECT count(*)::int AS n FROM delivery_failures")).toBe(1);
  });

  it("drops its counters, statistics and health from the flush and writes the others'", async () => {
    const gone = await f.connect(r, { type: "NONE" }, "Gone");
    const kept = await f.connect(r, { type: "NONE" }, "Kept");
    const m = new MetricsCollector();
    for (const id of [gone.id, kept.id]) {
      m.delivered(id, 12);
      m.failedAttempt(id, true);
      m.attempted(id, { ok: true, latencyMs: 12 });
      m.attempted(id, { ok: false, latencyMs: 30 });
    }
    const health = await deleteDuring(gone.id, () => m.flush(f.pool));
    expect(health.map((h) => h.connection_id)).toEqual([kept.id]);
    for (const table of ["connection_metrics", "connection_stats", "connection_health"]) {
      expect(await count(`SELECT count(*)::int AS n FROM ${table} WHERE connection_id = $1`, [kept.id]), table).toBe(1);
      expect(await count(`SELECT count(*)::int AS n FROM ${table} WHERE connection_id = $1`, [gone.id]), table).toBe(0);
    }
    // Nothing of the deleted connection was kept back for the next flush either.
    expect(await m.flush(f.pool)).toEqual([]);
  });

  it("is deleted while its destination fails and is retried, without an error in the worker's log", async () => {
    const errors: { msg?: string; err?: { code?: string; message?: string } }[] = [];
    const logger = pino({ level: "warn" }, { write: (line: string) => void errors.push(JSON.parse(line)) });
    const failing = await f.connect(r);
    const healthy = await startReceiver();
    try {
      const other = await f.connect(healthy, { type: "NONE" }, "Healthy");
      r.respondWith({ status: 503, body: "down" });
      const manager = await f.startWorker({ retryBaseDelayMs: 5, retryMaxDelayMs: 20 }, undefined, { logger });
      const flushing = setInterval(() => void f.metrics.flush(f.pool).catch((err) => logger.error({ err }, "metrics flush failed")), 20);
      try {
        await f.publish(f.events(40));
        // Every request after the test event is an attempt (the first event is retried over and over).
        await waitUntil(() => r.requests.length >= 20, 15_000, "attempts on the failing destination");
        await deleteConnection(f.deps, f.principal, failing.id);
        await waitUntil(() => manager.streamer(failing.id) === undefined, 10_000, "the deleted connection's streamer gone");
        await f.publish(f.events(5));
        await waitUntil(() => streamed(healthy).length >= 45, 10_000, "the other connection streaming on");
        const seen = r.requests.length;
        await f.metrics.flush(f.pool);
        expect(r.requests.length).toBe(seen);
      } finally {
        clearInterval(flushing);
      }
      expect(await count("SELECT count(*)::int AS n FROM delivery_failures WHERE connection_id = $1", [failing.id])).toBe(0);
      expect(await count("SELECT count(*)::int AS n FROM connection_stats WHERE connection_id = $1", [other.id])).toBeGreaterThan(0);
      expect(errors.filter((e) => e.err?.code === "23503" || /foreign key/i.test(e.err?.message ?? ""))).toEqual([]);
      expect(errors.filter((e) => /flush failed|could not record|stream tick failed/.test(e.msg ?? ""))).toEqual([]);
    } finally {
      await healthy.close();
    }
  });
});
