import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { setEnabled } from "../../lib/connections/service";
import { createTestDatabase, type TestDatabase } from "../helpers/db";
import { startReceiver, type Receiver } from "../helpers/receiver";
import { streamed, streamingFixture, waitUntil } from "../helpers/streaming";

const DAY = 24 * 60 * 60 * 1000;
const SEED_KEYS = ["id", "transaction_id", "event_type", "severity", "timestamp", "actor_email", "actor_ip_address", "actor_name", "actor_user_id", "actor_user_agent", "data"];

let t: TestDatabase;
let f: Awaited<ReturnType<typeof streamingFixture>>;
const receivers: Receiver[] = [];
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

describe("the streamer", () => {
  it("delivers every event to every enabled connection, one per POST, signed the seed's way", async () => {
    const plain = await receiver();
    const signed = await receiver();
    const keyed = await receiver();
    await f.connect(plain);
    const hmac = await f.connect(signed, { type: "HMAC" });
    await f.connect(keyed, { type: "API_KEY", keys: [{ key: "DD-API-KEY", value: "k-123456", add_to: "HEADER" }, { key: "ddtags", value: "env:test", add_to: "QUERY" }] });
    await f.startWorker();
    const events = f.events(50);
    await f.publish(events);

    for (const r of [plain, signed, keyed]) await waitUntil(() => streamed(r).length >= 50, 15_000, "50 deliveries");
    for (const r of [plain, signed, keyed]) {
      const got = streamed(r);
      expect(new Set(got.map((g) => (g.json as { id: string }).id))).toEqual(new Set(events.map((e) => e.id)));
      for (const g of got) {
        expect(Object.keys(g.json as object)).toEqual(SEED_KEYS);
        expect(g.rawBody).toBe(JSON.stringify(g.json));
      }
    }
    for (const g of streamed(signed)) expect(signed.verifies(g, hmac.hmacSecret!)).toBe(true);
    for (const g of streamed(keyed)) {
      expect(g.headers["dd-api-key"]).toBe("k-123456");
      expect(g.query.get("ddtags")).toBe("env:test");
    }
    const sample = streamed(plain).find((g) => (g.json as { id: string }).id === events[7]!.id)!;
    expect(sample.json).toEqual(events[7]);
  });

  it("keeps strict order with one request in flight", async () => {
    const r = await receiver();
    r.respondWith(() => ({ status: 200, delayMs: Math.random() < 0.3 ? 5 : 0 }));
    await f.connect(r);
    await f.startWorker({ maxInFlight: 1 });
    const events = f.events(200);
    for (let i = 0; i < 200; i += 40) await f.publish(events.slice(i, i + 40));
    await waitUntil(() => streamed(r).length >= 200, 20_000, "200 deliveries");
    expect(streamed(r).map((g) => (g.json as { id: string }).id)).toEqual(events.map((e) => e.id));
  });

  it("delivers everything after a receiver is down for a while, and records the failed attempts", async () => {
    const r = await receiver();
    await f.connect(r);
    r.respondWith({ status: 503, body: "maintenance" });
    await f.startWorker({ maxInFlight: 4 });
    const events = f.events(30);
    await f.publish(events);
    // The first event after the cursor is the connection's own CREATED audit event; it fails first.
    await waitUntil(() => r.requests.length >= 6, 10_000, "failing attempts");
    // While failing, the stream keeps probing what it had in flight (at most 4 events) instead of
    // burning through the backlog: ten probes later, no other event has been tried.
    const failingAttempts = r.requests.length;
    await waitUntil(() => r.requests.length >= failingAttempts + 10, 10_000, "ten more probes");
    const tried = new Set(r.requests.slice(1).map((g) => (g.json as { id: string }).id));
    expect(tried.size).toBeLessThanOrEqual(4);
    r.respondWith({ status: 200 });
    await waitUntil(async () => {
      const ok = new Set(streamed(r).map((g) => (g.json as { id: string }).id));
      return events.every((e) => ok.has(e.id));
    }, 15_000, "every event after recovery");
    const failures = await t.db.deliveryFailure.findMany();
    expect(failures.length).toBeGreaterThan(0);
    expect(failures.every((x) => x.statusCode === 503 && x.responseExcerpt === "maintenance")).toBe(true);
    await waitUntil(async () => (await t.db.deliveryFailure.count({ where: { outcome: "RETRYING" } })) === 0, 5_000, "outcomes settled");
    expect(new Set((await t.db.deliveryFailure.findMany()).map((x) => x.outcome))).toEqual(new Set(["DELIVERED_LATER"]));
  });

  it("picks up where a stopped streamer left its retries: attempts number on, and the rows settle when delivered", async () => {
    const r = await receiver();
    await f.connect(r);
    r.respondWith({ status: 503 });
    const first = await f.startWorker({ maxInFlight: 1 });
    const [event] = f.events(1);
    await f.publish([event!]);
    // The connection's CREATED audit event is first in line and fails a few times.
    await waitUntil(async () => (await t.db.deliveryFailure.count()) >= 3, 10_000, "three failed attempts");
    await first.stop();
    const before = await t.db.deliveryFailure.findMany({ orderBy: { attempt: "asc" } });
    expect(new Set(before.map((x) => x.outcome))).toEqual(new Set(["RETRYING"]));

    r.respondWith((req) => ((req.json as { event_type?: string })?.event_type === "EVENT_STREAM_CONNECTIONS_CREATED" ? { status: 503 } : { status: 200 }));
    await f.startWorker({ maxInFlight: 1 });
    await waitUntil(async () => (await t.db.deliveryFailure.count()) > before.length, 10_000, "another attempt");
    const next = await t.db.deliveryFailure.findFirstOrThrow({ orderBy: { attempt: "desc" } });
    expect(next.attempt).toBe(before.at(-1)!.attempt + 1);

    r.respondWith({ status: 200 });
    await waitUntil(() => streamed(r).length >= 1, 10_000, "the event after it");
    await waitUntil(async () => (await t.db.deliveryFailure.count({ where: { outcome: "RETRYING" } })) === 0, 5_000, "rows settled");
    expect(new Set((await t.db.deliveryFailure.findMany()).map((x) => x.outcome))).toEqual(new Set(["DELIVERED_LATER"]));
  });

  it("records a 400 for one event and moves on to the rest", async () => {
    const r = await receiver();
    await f.connect(r);
    const events = f.events(20);
    const poisoned = events[5]!.id;
    r.respondWith((req) => ((req.json as { id?: string })?.id === poisoned ? { status: 400, body: '{"error":"bad field"}' } : { status: 200 }));
    await f.startWorker({ maxInFlight: 1 });
    await f.publish(events);
    await waitUntil(() => streamed(r).length >= 20, 10_000, "20 requests");
    await new Promise((res) => setTimeout(res, 100));
    expect(streamed(r).filter((g) => (g.json as { id: string }).id === poisoned)).toHaveLength(1);
    const failure = await t.db.deliveryFailure.findFirstOrThrow();
    expect(failure).toMatchObject({ eventId: poisoned, statusCode: 400, outcome: "REJECTED", attempt: 1, responseExcerpt: '{"error":"bad field"}' });
    const last = await t.db.event.findFirstOrThrow({ where: { id: events[19]!.id } });
    await waitUntil(async () => (await t.db.connection.findFirstOrThrow()).cursor === last.seq, 5_000, "cursor past every event");
  });

  it("gives an event up after the retry horizon, lists it, and continues", async () => {
    const r = await receiver();
    await f.connect(r);
    const events = f.events(3);
    r.respondWith((req) => ((req.json as { id?: string })?.id === events[0]!.id ? { status: 500 } : { status: 200 }));
    await f.startWorker({ maxInFlight: 1, retryHorizonMs: 150 });
    await f.publish(events);
    await waitUntil(() => streamed(r).filter((g) => (g.json as { id: string }).id !== events[0]!.id).length >= 2, 10_000, "the rest delivered");
    const rows = await t.db.deliveryFailure.findMany({ where: { eventId: events[0]!.id }, orderBy: { attempt: "asc" } });
    expect(rows.length).toBeGreaterThan(1);
    expect(new Set(rows.map((x) => x.outcome))).toEqual(new Set(["GIVEN_UP"]));
    expect(rows.map((x) => x.attempt)).toEqual(rows.map((_, i) => i + 1));
  });

  it("stops a disabled connection within a second, delivers its backlog when re-enabled within 7 days", async () => {
    const r = await receiver();
    const { id } = await f.connect(r);
    await f.startWorker();
    await f.publish(f.events(5));
    await waitUntil(() => streamed(r).length >= 5, 10_000, "first 5");
    await setEnabled(f.deps, f.principal, id, false);
    await new Promise((res) => setTimeout(res, 1_000));
    const paused = f.events(10);
    await f.publish(paused);
    await new Promise((res) => setTimeout(res, 500));
    expect(streamed(r)).toHaveLength(5);
    await setEnabled({ ...f.deps, now: () => new Date(Date.now() + 6 * DAY) }, f.principal, id, true);
    await waitUntil(() => streamed(r).length >= 15, 10_000, "backlog");
    expect(streamed(r).slice(5).map((g) => (g.json as { id: string }).id)).toEqual(expect.arrayContaining(paused.map((e) => e.id)));
  });

  it("resumes from the latest events after 7 or more days disabled", async () => {
    const r = await receiver();
    const { id } = await f.connect(r);
    await setEnabled(f.deps, f.principal, id, false);
    await f.startWorker();
    await f.publish(f.events(10, "OLD_EVENT"));
    await setEnabled({ ...f.deps, now: () => new Date(Date.now() + 7 * DAY) }, f.principal, id, true);
    const fresh = f.events(3, "NEW_EVENT");
    await f.publish(fresh);
    await waitUntil(() => streamed(r, "NEW_EVENT").length >= 3, 10_000, "new events");
    expect(streamed(r, "OLD_EVENT")).toHaveLength(0);
    // The connection's own ENABLED audit event comes after the jump, so it is delivered too.
    expect(streamed(r, "EVENT_STREAM_CONNECTIONS_ENABLED")).toHaveLength(1);
  });

  it("keeps a slow destination from slowing the others", async () => {
    const slow = await receiver();
    const fast = await receiver();
    await f.connect(slow, { type: "NONE" }, "Slow");
    await f.connect(fast, { type: "NONE" }, "Fast");
    slow.respondWith({ status: 200, delayMs: 2_000 });
    await f.startWorker({ maxInFlight: 2 });
    const started = Date.now();
    await f.publish(f.events(100));
    await waitUntil(() => streamed(fast).length >= 100, 5_000, "fast destination");
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(streamed(slow).length).toBeLessThan(10);
  });

  it("stops streaming a deleted connection at once", async () => {
    const r = await receiver();
    const { id } = await f.connect(r);
    await f.startWorker();
    const { deleteConnection } = await import("../../lib/connections/service");
    await deleteConnection(f.deps, f.principal, id);
    await new Promise((res) => setTimeout(res, 300));
    await f.publish(f.events(5));
    await new Promise((res) => setTimeout(res, 500));
    expect(streamed(r)).toHaveLength(0);
  });
});
