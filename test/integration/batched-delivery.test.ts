import PgBoss from "pg-boss";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { setEnabled, testConnection, updateConnection } from "../../lib/connections/service";
import { MetricsCollector } from "../../lib/delivery/metrics";
import { runRedelivery } from "../../lib/delivery/redelivery-runner";
import { connectionStats } from "../../lib/health/connection-stats";
import { healthRows } from "../../lib/health/health-store";
import type { WireEvent } from "../../lib/events/envelope";
import { loadRedelivery, parseRedeliveryRequest, requestRedelivery } from "../../lib/failures/redelivery";
import { redeliveryJob } from "../../lib/jobs/definitions/redelivery";
import { ensureJobQueue } from "../../lib/jobs/job";
import { createTestDatabase, type TestDatabase } from "../helpers/db";
import { type ReceivedRequest, startReceiver, type Receiver } from "../helpers/receiver";
import { streamingFixture, waitUntil } from "../helpers/streaming";

let t: TestDatabase;
let f: Awaited<ReturnType<typeof streamingFixture>>;
const receivers: Receiver[] = [];
const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" });

async function receiver() {
  const r = await startReceiver();
  receivers.push(r);
  return r;
}

beforeEach(async () => {
  t = await createTestDatabase();
  f = await streamingFixture(t, { RETRY_BASE_DELAY_MS: "20", RETRY_MAX_DELAY_MS: "200" });
});
afterEach(async () => {
  await f.close();
  await Promise.all(receivers.splice(0).map((r) => r.close()));
  await t.drop();
});

const USER = "USER_LOGGED_IN";
const typeOf = (e: Record<string, unknown>) => e.event_type as string;
/** Requests that carried streamed events of this type. */
const carrying = (r: Receiver, type = USER) => r.requests.filter((q) => q.events.some((e) => typeOf(e) === type));
/** Events of this type the receiver accepted (answered 2xx), in arrival order. */
const accepted = (r: Receiver, type = USER) =>
  r.requests.filter((q) => (q.status ?? 200) < 300).flatMap((q) => q.events.filter((e) => typeOf(e) === type).map((e) => e.id as string));
const idsOf = (events: WireEvent[]) => events.map((e) => e.id);
const sorted = (xs: string[]) => [...xs].sort();
const failuresOf = (connectionId: string) =>
  t.db.deliveryFailure.findMany({ where: { connectionId }, orderBy: [{ eventSeq: "asc" }, { attempt: "asc" }] });
const cursorOf = async (id: string) => (await t.db.connection.findUniqueOrThrow({ where: { id } })).cursor;
/** Events delivered and failed in the connection's per-minute statistics of the last hour (the health charts). */
const chartTotals = async (id: string) => {
  const stats = await connectionStats(f.pool, f.principal.organizationId, id, "1h");
  return { delivered: stats.buckets.reduce((n, b) => n + b.delivered, 0), failed: stats.buckets.reduce((n, b) => n + b.failed, 0) };
};
const healthOf = async (id: string) => (await healthRows(f.pool, f.principal.organizationId, [id])).get(id);
const latest = async () => (await t.db.event.aggregate({ _max: { seq: true } }))._max.seq!;
/** `n` events of ~`bytes` bytes of JSON each. */
const padded = (n: number, bytes: number, type = USER) =>
  f.events(n, type).map((e) => ({ ...e, data: { ...e.data, pad: "x".repeat(Math.max(0, bytes - JSON.stringify(e).length - 10)) } }));

describe("batched delivery", () => {
  it("sends JSON arrays of at most max_events, gzipped, HMAC-signed over the uncompressed body, every event once", async () => {
    const r = await receiver();
    const { id, hmacSecret } = await f.connect(r, { type: "HMAC" }, "Batched", {
      format: "JSON_ARRAY",
      batch: { max_events: 100, max_bytes: 1_000_000, max_wait_ms: 50 },
      compression: "GZIP",
    });
    // The test event goes in the connection's format, uncompressed: [test].
    const test = r.requests[0]!;
    expect(test.headers["content-encoding"]).toBeUndefined();
    expect(test.rawBody.startsWith("[{")).toBe(true);
    expect(test.events.map(typeOf)).toEqual(["EVENT_STREAM_CONNECTIONS_TESTED"]);
    expect(r.verifiesRaw(test, hmacSecret!)).toBe(true);

    await f.startWorker();
    const events = f.events(250);
    await f.publish(events);
    await waitUntil(() => accepted(r).length >= 250, 15_000, "250 events");
    const batches = carrying(r);
    expect(sorted(accepted(r))).toEqual(sorted(idsOf(events)));
    expect(batches.length).toBeGreaterThanOrEqual(3);
    for (const b of batches) {
      expect(b.headers["content-encoding"]).toBe("gzip");
      expect(b.headers["content-type"]).toBe("application/json");
      expect(b.events.length).toBeLessThanOrEqual(100);
      expect(b.wireBytes).toBeLessThan(Buffer.byteLength(b.rawBody));
      expect(r.verifiesRaw(b, hmacSecret!)).toBe(true);
      expect(b.rawBody).toBe(JSON.stringify(b.json));
    }
    // Metrics stay per event: one delivery counted for each event, not for each request.
    await waitUntil(async () => (await cursorOf(id)) === (await latest()), 5_000, "the cursor to pass every event");
    await f.metrics.flush(f.pool);
    const metrics = await t.db.connectionMetrics.findUniqueOrThrow({ where: { connectionId: id } });
    expect(Number(metrics.delivered)).toBe(r.requests.slice(1).flatMap((q) => q.events).length);
    // So do the health charts' per-minute statistics, and the health summary sees the successes.
    expect(await chartTotals(id)).toEqual({ delivered: r.requests.slice(1).flatMap((q) => q.events).length, failed: 0 });
    expect((await healthOf(id))?.last_success_at).toBeInstanceOf(Date);
  });

  it("never sends more than max_bytes of uncompressed body; an event larger than that goes alone", async () => {
    const r = await receiver();
    await f.connect(r, { type: "NONE" }, "Small batches", { format: "NDJSON", batch: { max_events: 1000, max_bytes: 2048, max_wait_ms: 50 } });
    await f.startWorker();
    const small = padded(40, 300);
    const big = padded(1, 5000)[0]!;
    await f.publish([...small.slice(0, 20), big, ...small.slice(20)]);
    await waitUntil(() => accepted(r).length >= 41, 15_000, "41 events");
    expect(sorted(accepted(r))).toEqual(sorted(idsOf([...small, big])));
    for (const b of carrying(r)) {
      expect(b.headers["content-type"]).toBe("application/x-ndjson");
      if (b.events.some((e) => e.id === big.id)) expect(b.events).toHaveLength(1);
      else expect(Buffer.byteLength(b.rawBody)).toBeLessThanOrEqual(2048);
    }
    expect(carrying(r).some((b) => b.events.length > 1)).toBe(true);
  });

  it("holds a batch that is not full until its first event waited max_wait_ms, then sends what came meanwhile", async () => {
    const r = await receiver();
    await f.connect(r, { type: "NONE" }, "Linger", { format: "JSON_ARRAY", batch: { max_events: 100, max_bytes: 1_000_000, max_wait_ms: 400 } });
    await f.startWorker();
    // The connection's own CREATED event goes first, alone after 400 ms.
    await waitUntil(() => carrying(r, "EVENT_STREAM_CONNECTIONS_CREATED").length === 1, 10_000, "the CREATED event");
    const events = f.events(3);
    const start = Date.now();
    await f.publish([events[0]!]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await f.publish(events.slice(1));
    await waitUntil(() => accepted(r).length >= 3, 10_000, "3 events");
    const batches = carrying(r);
    expect(batches).toHaveLength(1);
    expect(batches[0]!.events.map((e) => e.id)).toEqual(idsOf(events));
    // Sent once the first event had waited 400 ms (measured from before it was committed).
    expect(batches[0]!.at - start).toBeGreaterThanOrEqual(400);
  });

  it("wraps events in Splunk HEC envelopes with their time and the opal:event sourcetype", async () => {
    const r = await receiver();
    await f.connect(r, { type: "API_KEY", keys: [{ key: "Authorization", value: "Splunk 0000-hec-token", add_to: "HEADER" }] }, "Splunk", {
      format: "SPLUNK_HEC",
      batch: { max_events: 50, max_bytes: 1_000_000, max_wait_ms: 20 },
    });
    await f.startWorker();
    const events = f.events(60);
    await f.publish(events);
    await waitUntil(() => accepted(r).length >= 60, 10_000, "60 events");
    for (const b of carrying(r)) {
      expect(b.headers.authorization).toBe("Splunk 0000-hec-token");
      expect(b.headers["content-type"]).toBe("application/json");
      for (const env of b.envelopes) {
        expect(env.sourcetype).toBe("opal:event");
        expect(env.time).toBe(Date.parse(env.event.timestamp as string) / 1000);
      }
    }
    expect(sorted(accepted(r))).toEqual(sorted(idsOf(events)));
  });

  it("lets only the filter's event types through; filtered events move the cursor without a request; the test event always passes", async () => {
    const r = await receiver();
    const { id } = await f.connect(r, { type: "NONE" }, "Filtered", { event_filter: { include: ["USER_*"], exclude: ["USER_LOGGED_OUT"] } });
    await f.startWorker();
    const wanted = [...f.events(5, "USER_LOGGED_IN"), ...f.events(3, "USER_CREATED")];
    const unwanted = [...f.events(4, "USER_LOGGED_OUT"), ...f.events(4, "GROUP_CREATED")];
    await f.publish([unwanted[0]!, wanted[0]!, unwanted[1]!, ...wanted.slice(1), ...unwanted.slice(2)]);
    await waitUntil(async () => (await cursorOf(id)) === (await latest()), 10_000, "the cursor past every event");
    const got = r.requests.slice(1).flatMap((q) => q.events);
    expect(sorted(got.map((e) => e.id as string))).toEqual(sorted(idsOf(wanted)));
    expect(got.every((e) => typeOf(e).startsWith("USER_") && typeOf(e) !== "USER_LOGGED_OUT")).toBe(true);

    // "Send test event": sent directly, then streamed as an audit event, which passes the filter too.
    const before = r.requests.length;
    await testConnection(f.deps, f.principal, id);
    await waitUntil(() => r.requests.slice(before).filter((q) => q.events.some((e) => typeOf(e) === "EVENT_STREAM_CONNECTIONS_TESTED")).length === 2, 10_000, "the test event, sent and streamed");
  });
});

describe("a rejected batch", () => {
  const poisoned = (req: ReceivedRequest) => req.events.some((e) => (e.data as { poison?: boolean }).poison);

  it("is bisected: 999 of 1,000 delivered, the one refused event listed REJECTED, in at most 20 requests", async () => {
    const r = await receiver();
    r.respondWith((req) => (poisoned(req) ? { status: 400, body: '{"error":"field poison is not allowed"}' } : { status: 202 }));
    const { id } = await f.connect(r, { type: "NONE" }, "Poison", {
      format: "JSON_ARRAY",
      batch: { max_events: 1000, max_bytes: 5_000_000, max_wait_ms: 5_000 },
      event_filter: { include: ["USER_*"] },
    });
    const events = f.events(1000);
    const poison = { ...events[417]!, data: { poison: true } };
    events[417] = poison;
    await f.publish(events);
    await f.startWorker();
    await waitUntil(async () => (await cursorOf(id)) === (await latest()), 20_000, "the batch settled");

    const requests = carrying(r);
    expect(requests[0]!.events).toHaveLength(1000);
    expect(requests.length).toBeLessThanOrEqual(20);
    const delivered = accepted(r);
    expect(delivered).toHaveLength(999);
    expect(sorted(delivered)).toEqual(sorted(idsOf(events).filter((x) => x !== poison.id)));
    const failures = await failuresOf(id);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ eventId: poison.id, outcome: "REJECTED", statusCode: 400, attempt: 1, responseExcerpt: '{"error":"field poison is not allowed"}' });

    // Redeliverable, through the same formatter: it goes as a JSON array.
    r.respondWith({ status: 202 });
    const boss = new PgBoss({ connectionString: t.url });
    boss.on("error", () => undefined);
    await boss.start();
    try {
      await ensureJobQueue(boss, redeliveryJob);
      const requested = await requestRedelivery(f.pool, boss, f.principal, parseRedeliveryRequest({ ids: [failures[0]!.id] }));
      expect(await runRedelivery({ pool: f.pool, http: f.deps.http, box: f.deps.box, logger }, requested.id)).toBe("completed");
      const last = r.requests.at(-1)!;
      expect(last.rawBody).toBe(`[${JSON.stringify(poison)}]`);
      expect((await failuresOf(id))[0]!.outcome).toBe("REDELIVERED");
    } finally {
      await boss.stop({ graceful: false, wait: true });
    }
  });

  it("uses Splunk HEC's invalid-event-number: the events before it were indexed, the named one is isolated, the rest resent once", async () => {
    const r = await receiver();
    const indexed: string[] = [];
    // Like HEC: index the events before the first invalid one, stop there and name it.
    r.respondWith((req) => {
      const bad = req.events.findIndex((e) => (e.data as { poison?: boolean }).poison);
      const upTo = bad === -1 ? req.events.length : bad;
      indexed.push(...req.events.slice(0, upTo).filter((e) => typeOf(e) === USER).map((e) => e.id as string));
      return bad === -1 ? { status: 200, body: '{"text":"Success","code":0}' } : { status: 400, body: `{"text":"Invalid data format","code":6,"invalid-event-number":${bad}}` };
    });
    const { id } = await f.connect(r, { type: "NONE" }, "HEC", {
      format: "SPLUNK_HEC",
      batch: { max_events: 500, max_bytes: 5_000_000, max_wait_ms: 5_000 },
      event_filter: { include: ["USER_*"] },
    });
    const events = f.events(300);
    for (const i of [40, 250]) events[i] = { ...events[i]!, data: { poison: true } };
    await f.publish(events);
    await f.startWorker();
    await waitUntil(async () => (await cursorOf(id)) === (await latest()), 20_000, "the batch settled");
    expect(carrying(r)).toHaveLength(3);
    expect(sorted(indexed)).toEqual(sorted(idsOf(events).filter((_, i) => i !== 40 && i !== 250)));
    const failures = await failuresOf(id);
    expect(failures.map((x) => x.eventId)).toEqual([events[40]!.id, events[250]!.id]);
    expect(failures.every((x) => x.outcome === "REJECTED" && x.statusCode === 400)).toBe(true);
  });

  it("answered 401 is not bisected: one request, every event listed REJECTED", async () => {
    const r = await receiver();
    const { id } = await f.connect(r, { type: "NONE" }, "Unauthorized", {
      format: "NDJSON",
      batch: { max_events: 100, max_bytes: 1_000_000, max_wait_ms: 5_000 },
      event_filter: { include: ["USER_*"] },
    });
    r.respondWith({ status: 401, body: "bad key" });
    const events = f.events(100);
    await f.publish(events);
    await f.startWorker();
    await waitUntil(async () => (await cursorOf(id)) === (await latest()), 10_000, "the batch settled");
    expect(carrying(r)).toHaveLength(1);
    const failures = await failuresOf(id);
    expect(failures).toHaveLength(100);
    expect(failures.every((x) => x.outcome === "REJECTED" && x.statusCode === 401)).toBe(true);
  });

  it("answered 413 halves the batch size and resends; a single event the destination still refuses is listed with its size", async () => {
    const r = await receiver();
    r.respondWith((req) => (req.events.length > 60 || Buffer.byteLength(req.rawBody) > 20_000 ? { status: 413, body: "too large" } : { status: 200 }));
    const { id } = await f.connect(r, { type: "NONE" }, "Small intake", {
      format: "JSON_ARRAY",
      batch: { max_events: 200, max_bytes: 5_000_000, max_wait_ms: 5_000 },
      event_filter: { include: ["USER_*"] },
    });
    const events = f.events(300);
    const huge = padded(1, 30_000)[0]!;
    await f.publish([...events.slice(0, 150), huge, ...events.slice(150)]);
    await f.startWorker();
    await waitUntil(async () => (await cursorOf(id)) === (await latest()), 20_000, "every event settled");
    expect(sorted(accepted(r))).toEqual(sorted(idsOf(events)));
    const sizes = carrying(r).map((q) => q.events.length);
    expect(sizes[0]).toBe(200);
    // 200 → 100 → 50: nothing above 50 after the second 413.
    expect(sizes.filter((n) => n > 50 && n !== 200 && n !== 100)).toEqual([]);
    const failures = await failuresOf(id);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ eventId: huge.id, outcome: "REJECTED", statusCode: 413 });
    expect(failures[0]!.error).toMatch(/This event alone is [\d,]+ bytes/);
  });

  it("failing with 503 is retried as a whole with backoff; its events are listed retrying, then delivered later", async () => {
    const r = await receiver();
    let failing = 2;
    r.respondWith((req) => (req.events.some((e) => typeOf(e) === USER) && failing-- > 0 ? { status: 503, body: "busy" } : { status: 200 }));
    const { id } = await f.connect(r, { type: "NONE" }, "Flaky", {
      format: "JSON_ARRAY",
      batch: { max_events: 50, max_bytes: 1_000_000, max_wait_ms: 5_000 },
      event_filter: { include: ["USER_*"] },
    });
    const events = f.events(50);
    await f.publish(events);
    await f.startWorker();
    await waitUntil(async () => (await cursorOf(id)) === (await latest()), 10_000, "the batch delivered");
    expect(carrying(r).map((q) => q.events.length)).toEqual([50, 50, 50]);
    const failures = await failuresOf(id);
    expect(failures).toHaveLength(100);
    expect(failures.every((x) => x.outcome === "DELIVERED_LATER" && x.statusCode === 503)).toBe(true);
    expect(new Set(failures.map((x) => x.attempt))).toEqual(new Set([1, 2]));
    // Statistics per event: two failed requests of 50 are 100 failed deliveries, then 50 delivered; the spell ended.
    await f.metrics.flush(f.pool);
    expect(await chartTotals(id)).toEqual({ delivered: 50, failed: 100 });
    const health = await healthOf(id);
    expect(health?.last_failure_at).toBeInstanceOf(Date);
    expect(health?.last_success_at!.getTime()).toBeGreaterThanOrEqual(health!.last_failure_at!.getTime());
    expect(health?.failing_since).toBeNull();
  });
});

describe("redelivery through the connection's format", () => {
  it("sends redelivered events in batches", async () => {
    const r = await receiver();
    const { id } = await f.connect(r, { type: "NONE" }, "Redelivered", { format: "NDJSON", batch: { max_events: 10, max_bytes: 1_000_000, max_wait_ms: 0 } });
    const events = f.events(25);
    await f.publish(events);
    await f.pool.query("UPDATE connections SET cursor = (SELECT max(seq) FROM events) WHERE id = $1", [id]);
    await f.pool.query(
      `INSERT INTO delivery_failures (organization_id, connection_id, event_seq, event_id, event_type, attempt, attempted_at, status_code, latency_ms, outcome)
       SELECT organization_id, $1, seq, id, event_type, 1, now(), 503, 5, 'GIVEN_UP' FROM events WHERE event_type = $2`,
      [id, USER],
    );
    const boss = new PgBoss({ connectionString: t.url });
    boss.on("error", () => undefined);
    await boss.start();
    try {
      await ensureJobQueue(boss, redeliveryJob);
      const requested = await requestRedelivery(f.pool, boss, f.principal, parseRedeliveryRequest({ connection_id: id }));
      const metrics = new MetricsCollector();
      expect(await runRedelivery({ pool: f.pool, http: f.deps.http, box: f.deps.box, logger, metrics }, requested.id)).toBe("completed");
      expect(carrying(r).map((q) => q.events.length)).toEqual([10, 10, 5]);
      // Three requests, 25 events: the charts count the events.
      await metrics.flush(f.pool);
      expect(await chartTotals(id)).toEqual({ delivered: 25, failed: 0 });
      expect(sorted(accepted(r))).toEqual(sorted(idsOf(events)));
      expect(await loadRedelivery(f.pool, f.principal.organizationId, requested.id)).toMatchObject({ succeeded: 25, failed: 0 });
    } finally {
      await boss.stop({ graceful: false, wait: true });
    }
  });
});

describe("the catch-up limit", () => {
  it("skips, on re-enable, the events older than the destination accepts: listed as given up, the range recorded, the rest delivered", async () => {
    const r = await receiver();
    const { id } = await f.connect(r, { type: "NONE" }, "Datadog-like", {
      format: "JSON_ARRAY",
      batch: { max_events: 100, max_bytes: 1_000_000, max_wait_ms: 20 },
      event_filter: { include: ["USER_*"] },
      max_event_age_seconds: 3600,
    });
    await f.startWorker();
    await setEnabled(f.deps, f.principal, id, false);
    const old = f.events(15);
    const fresh = f.events(5);
    await f.publish(old);
    await f.publish(fresh);
    // Stored two hours ago: the paused connection's backlog up to the last old event (its DISABLED event too).
    const lastOld = (await t.db.event.findFirstOrThrow({ where: { id: old.at(-1)!.id } })).seq;
    await f.pool.query("UPDATE events SET created_at = now() - interval '2 hours' WHERE organization_id = $1 AND seq > $2 AND seq <= $3", [
      f.principal.organizationId,
      (await cursorOf(id)).toString(),
      lastOld.toString(),
    ]);

    const { catchUpPreview } = await import("../../lib/connections/service");
    expect(await catchUpPreview(f.deps, f.principal.organizationId, id)).toMatchObject({ events: 15, maxEventAgeSeconds: 3600 });

    const enabled = await setEnabled(f.deps, f.principal, id, true);
    expect(enabled.catch_up_skip).toMatchObject({ events: 15, max_event_age_seconds: 3600 });
    expect(await cursorOf(id)).toBe(lastOld);
    const audit = await t.db.event.findFirstOrThrow({ where: { eventType: "EVENT_STREAM_CONNECTIONS_ENABLED" }, orderBy: { seq: "desc" } });
    expect(audit.data).toMatchObject({ resumed_from: "catch_up_limit", skipped_events: 15, max_event_age_seconds: 3600 });
    const failures = await failuresOf(id);
    expect(failures.map((x) => x.eventId)).toEqual(idsOf(old));
    expect(failures.every((x) => x.outcome === "GIVEN_UP" && x.statusCode === null)).toBe(true);
    expect(failures[0]!.error).toContain("older than this destination accepts");

    await waitUntil(() => accepted(r).length >= 5, 10_000, "the fresh events");
    expect(sorted(accepted(r))).toEqual(sorted(idsOf(fresh)));

    // Redelivery leaves them while the limit holds, and sends them once it is cleared.
    const boss = new PgBoss({ connectionString: t.url });
    boss.on("error", () => undefined);
    await boss.start();
    try {
      await ensureJobQueue(boss, redeliveryJob);
      const blocked = await requestRedelivery(f.pool, boss, f.principal, parseRedeliveryRequest({ connection_id: id }));
      await runRedelivery({ pool: f.pool, http: f.deps.http, box: f.deps.box, logger }, blocked.id);
      const done = await loadRedelivery(f.pool, f.principal.organizationId, blocked.id);
      expect(done).toMatchObject({ skipped: 15, succeeded: 0 });
      expect(done.problems[0]!.message).toContain("older than 1 h");

      await updateConnection(f.deps, f.principal, id, { max_event_age_seconds: null });
      const allowed = await requestRedelivery(f.pool, boss, f.principal, parseRedeliveryRequest({ connection_id: id }));
      await runRedelivery({ pool: f.pool, http: f.deps.http, box: f.deps.box, logger }, allowed.id);
      expect(await loadRedelivery(f.pool, f.principal.organizationId, allowed.id)).toMatchObject({ succeeded: 15 });
      expect(sorted(accepted(r))).toEqual(sorted(idsOf([...fresh, ...old])));
    } finally {
      await boss.stop({ graceful: false, wait: true });
    }
  });

  it("leaves the 7-day rule as it was: after 7 days disabled, resume from the latest without listing anything", async () => {
    const r = await receiver();
    const { id } = await f.connect(r, { type: "NONE" }, "Long pause", { max_event_age_seconds: 3600 });
    await setEnabled(f.deps, f.principal, id, false);
    await f.publish(f.events(5));
    await t.db.connection.update({ where: { id }, data: { disabledAt: new Date(Date.now() - 8 * 24 * 3600_000) } });
    await t.db.event.updateMany({ data: { createdAt: new Date(Date.now() - 3 * 3600_000) } });
    const { catchUpPreview } = await import("../../lib/connections/service");
    expect(await catchUpPreview(f.deps, f.principal.organizationId, id)).toBeNull();
    const enabled = await setEnabled(f.deps, f.principal, id, true);
    expect(enabled.catch_up_skip).toBeNull();
    expect(await failuresOf(id)).toEqual([]);
  });
});
