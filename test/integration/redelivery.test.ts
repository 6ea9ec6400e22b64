import PgBoss from "pg-boss";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { setEnabled } from "../../lib/connections/service";
import { MetricsCollector } from "../../lib/delivery/metrics";
import { renderMetrics } from "../../lib/delivery/prometheus";
import { requeueStalledRedeliveries, runRedelivery, type RedeliveryRunnerDeps } from "../../lib/delivery/redelivery-runner";
import type { WireEvent } from "../../lib/events/envelope";
import { AppError } from "../../lib/errors";
import { cancelRedelivery, loadRedelivery, parseRedeliveryRequest, requestRedelivery } from "../../lib/failures/redelivery";
import { redeliveryJob } from "../../lib/jobs/definitions/redelivery";
import { ensureJobQueue, sendJob, workJob } from "../../lib/jobs/job";
import { createTestDatabase, type TestDatabase } from "../helpers/db";
import { startReceiver, type Receiver } from "../helpers/receiver";
import { streamed, streamingFixture, waitUntil } from "../helpers/streaming";

let t: TestDatabase;
let f: Awaited<ReturnType<typeof streamingFixture>>;
let boss: PgBoss;
let r: Receiver;
const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" });

beforeEach(async () => {
  t = await createTestDatabase();
  f = await streamingFixture(t, { RETRY_BASE_DELAY_MS: "20", RETRY_MAX_DELAY_MS: "100" });
  boss = new PgBoss({ connectionString: t.url });
  boss.on("error", () => undefined);
  await boss.start();
  await ensureJobQueue(boss, redeliveryJob);
  r = await startReceiver();
});
afterEach(async () => {
  await boss.stop({ graceful: false, wait: true });
  await f.close();
  await r.close();
  await t.drop();
});

const runnerDeps = (extra: Partial<RedeliveryRunnerDeps> = {}): RedeliveryRunnerDeps => ({ pool: f.pool, http: f.deps.http, box: f.deps.box, logger, ...extra });
const REDELIVERY_QUEUE = redeliveryJob.name;
/** The worker's registration of the redelivery job, with these runner settings. */
const workRedeliveries = (b: PgBoss, redelivery: RedeliveryRunnerDeps) => workJob(b, redeliveryJob, { boss: b, logger, redelivery });

/** Publishes events and records one failed attempt for each on the connection, as the streamer would have. */
async function failed(connectionId: string, events: WireEvent[], outcome: "GIVEN_UP" | "REJECTED" | "RETRYING" | "DELIVERED_LATER" = "GIVEN_UP") {
  await f.publish(events);
  const rows = await t.db.event.findMany({ where: { id: { in: events.map((e) => e.id) } }, orderBy: { seq: "asc" } });
  await t.db.deliveryFailure.createMany({
    data: rows.map((e, i) => ({
      organizationId: f.principal.organizationId,
      connectionId,
      eventSeq: e.seq,
      eventId: e.id,
      eventType: e.eventType,
      attempt: 1,
      attemptedAt: new Date(Date.now() - (rows.length - i) * 1000),
      statusCode: 500,
      latencyMs: 4,
      outcome,
    })),
  });
  return t.db.deliveryFailure.findMany({ where: { eventId: { in: events.map((e) => e.id) } }, orderBy: { attemptedAt: "asc" } });
}

const ids = (receiver: Receiver) => streamed(receiver).map((g) => (g.json as { id: string }).id);

async function rejects(p: Promise<unknown>, code: string) {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  expect((err as AppError).code).toBe(code);
  return err as AppError;
}

describe("redelivery", () => {
  it("redelivers chosen failures through the signed path and marks them REDELIVERED", async () => {
    const { id: connectionId, hmacSecret } = await f.connect(r, { type: "HMAC" });
    const events = f.events(3);
    const failures = await failed(connectionId, events, "REJECTED");

    const requested = await requestRedelivery(f.pool, boss, f.principal, parseRedeliveryRequest({ ids: [failures[0]!.id, failures[2]!.id] }));
    expect(requested).toMatchObject({ status: "QUEUED", total: 2, pending: 2, skipped: 0, requested_by: { id: f.principal.user.id } });
    const [job] = await boss.fetch<{ redeliveryId: string }>(REDELIVERY_QUEUE);
    expect(job!.data.redeliveryId).toBe(requested.id);

    expect(await runRedelivery(runnerDeps(), requested.id)).toBe("completed");
    expect(ids(r)).toEqual([events[0]!.id, events[2]!.id]);
    for (const req of streamed(r)) {
      expect(r.verifies(req, hmacSecret!)).toBe(true);
      expect(req.rawBody).toBe(JSON.stringify(events.find((e) => e.id === (req.json as { id: string }).id)));
    }
    const outcomes = await t.db.deliveryFailure.findMany({ orderBy: { attemptedAt: "asc" }, select: { outcome: true } });
    expect(outcomes.map((o) => o.outcome)).toEqual(["REDELIVERED", "REJECTED", "REDELIVERED"]);
    const done = await loadRedelivery(f.pool, f.principal.organizationId, requested.id);
    expect(done).toMatchObject({ status: "COMPLETED", total: 2, succeeded: 2, failed: 0, skipped: 0, pending: 0, problems: [] });
    expect(done.finished_at).not.toBeNull();
    const audit = await t.db.event.findFirstOrThrow({ where: { eventType: "EVENT_STREAM_FAILURES_REDELIVERY_REQUESTED" } });
    expect(audit.data).toMatchObject({ redelivery_id: requested.id, events: 2, skipped: 0 });
    expect(audit.actorEmail).toBe(f.principal.user.email);
  });

  it("redelivers every undelivered event matching a filter once, through the pg-boss queue", async () => {
    const { id: a } = await f.connect(r, { type: "NONE" }, "A");
    const other = await startReceiver();
    try {
      const { id: b } = await f.connect(other, { type: "NONE" }, "B");
      const given = f.events(4);
      await failed(a, given, "GIVEN_UP");
      // A second failed attempt of the same event: still one redelivery of it.
      const first = await t.db.deliveryFailure.findFirstOrThrow({ where: { eventId: given[0]!.id } });
      await t.db.deliveryFailure.create({ data: { ...first, id: undefined, attempt: 2, attemptedAt: new Date() } });
      const later = f.events(2);
      await failed(a, later, "DELIVERED_LATER");
      const elsewhere = f.events(2);
      await failed(b, elsewhere, "GIVEN_UP");

      await workRedeliveries(boss, runnerDeps());
      const requested = await requestRedelivery(f.pool, boss, f.principal, parseRedeliveryRequest({ connection_id: a }));
      expect(requested.total).toBe(4);
      await waitUntil(async () => (await loadRedelivery(f.pool, f.principal.organizationId, requested.id)).status === "COMPLETED", 15_000, "completed");
      expect(ids(r)).toEqual(given.map((e) => e.id));
      expect(ids(other)).toEqual([]);
      expect(await t.db.deliveryFailure.count({ where: { connectionId: a, outcome: "REDELIVERED" } })).toBe(5);
      expect(await t.db.deliveryFailure.count({ where: { outcome: "DELIVERED_LATER" } })).toBe(2);

      // Nothing left undelivered on A: a second request is refused and writes nothing.
      const before = await t.db.redelivery.count();
      const err = await rejects(requestRedelivery(f.pool, boss, f.principal, parseRedeliveryRequest({ connection_id: a })), "CONFLICT");
      expect(err.message).toContain("Nothing to redeliver");
      expect(await t.db.redelivery.count()).toBe(before);
    } finally {
      await other.close();
    }
  });

  it("records a failed redelivery as one more attempt, and stops trying a destination that keeps failing", async () => {
    const { id: connectionId } = await f.connect(r);
    r.respondWith({ status: 503, body: "still down" });
    const events = f.events(8);
    await failed(connectionId, events, "GIVEN_UP");
    const requested = await requestRedelivery(f.pool, boss, f.principal, parseRedeliveryRequest({ since: new Date(Date.now() - 3600_000).toISOString() }));
    const metrics = new MetricsCollector();
    expect(await runRedelivery(runnerDeps({ maxConsecutiveFailures: 5, concurrency: 1, metrics }), requested.id)).toBe("completed");
    await metrics.flush(f.pool);
    // Requests made count in /api/metrics; the three never sent do not.
    expect(await renderMetrics(f.pool, f.principal.organizationId)).toContain(
      `tributary_redeliveries_total{connection_id="${connectionId}",connection_name="Receiver",outcome="failed"} 5`,
    );

    expect(streamed(r)).toHaveLength(5);
    const done = await loadRedelivery(f.pool, f.principal.organizationId, requested.id);
    expect(done).toMatchObject({ status: "COMPLETED", total: 8, succeeded: 0, failed: 8, skipped: 0 });
    expect(done.problems).toEqual([
      { state: "FAILED", message: "The destination answered 503 Service Unavailable; only a 2xx answer counts as success.", count: 5 },
      { state: "FAILED", message: "Not sent: the destination failed 5 times in a row.", count: 3 },
    ]);
    const attempts = await t.db.deliveryFailure.findMany({ where: { attempt: 2 }, orderBy: { eventSeq: "asc" } });
    expect(attempts).toHaveLength(5);
    expect(attempts.every((x) => x.outcome === "GIVEN_UP" && x.statusCode === 503 && x.responseExcerpt === "still down")).toBe(true);
    // Still undelivered, so a later redelivery picks them up again.
    expect(await t.db.deliveryFailure.count({ where: { outcome: "REDELIVERED" } })).toBe(0);
  });

  it("sends several at once to a healthy destination, and probes a failing one a request at a time", async () => {
    const { id: connectionId } = await f.connect(r);
    r.respondWith({ status: 200, delayMs: 20 });
    await failed(connectionId, f.events(16), "GIVEN_UP");
    const healthy = await requestRedelivery(f.pool, boss, f.principal, { connection_id: connectionId });
    expect(await runRedelivery(runnerDeps({ concurrency: 4 }), healthy.id)).toBe("completed");
    expect(streamed(r)).toHaveLength(16);
    expect(r.maxConcurrent).toBe(4);

    const failing = await startReceiver();
    try {
      const { id: other } = await f.connect(failing, { type: "NONE" }, "Failing");
      failing.respondWith({ status: 503, delayMs: 20 });
      await failed(other, f.events(12), "GIVEN_UP");
      const requested = await requestRedelivery(f.pool, boss, f.principal, { connection_id: other });
      expect(await runRedelivery(runnerDeps({ concurrency: 4, maxConsecutiveFailures: 5 }), requested.id)).toBe("completed");
      // Four at once fail; then one probe alone, the fifth failure in a row; the other seven are not sent.
      expect(streamed(failing)).toHaveLength(5);
      expect((await loadRedelivery(f.pool, f.principal.organizationId, requested.id)).failed).toBe(12);
    } finally {
      await failing.close();
    }
  });

  it("refuses bad requests with a clear error and writes nothing", async () => {
    const { id: connectionId } = await f.connect(r);
    const [retrying] = await failed(connectionId, f.events(1), "RETRYING");
    const bad = (body: unknown) => {
      try {
        parseRedeliveryRequest(body);
      } catch (e) {
        return (e as AppError).code;
      }
      return "accepted";
    };
    expect(bad({})).toBe("VALIDATION_FAILED");
    expect(bad({ ids: [] })).toBe("VALIDATION_FAILED");
    expect(bad({ ids: ["nope"] })).toBe("VALIDATION_FAILED");
    expect(bad({ ids: Array.from({ length: 1001 }, () => crypto.randomUUID()) })).toBe("VALIDATION_FAILED");
    expect(bad({ connection_id: "x" })).toBe("VALIDATION_FAILED");
    expect(bad({ since: "yesterday" })).toBe("VALIDATION_FAILED");
    expect(bad({ since: "2026-11-02T00:00:00Z", until: "2026-11-01T00:00:00Z" })).toBe("VALIDATION_FAILED");
    expect(bad({ connection_id: connectionId, colour: "red" })).toBe("VALIDATION_FAILED");
    expect(bad({ ids: [crypto.randomUUID()], connection_id: connectionId })).toBe("VALIDATION_FAILED");

    const missing = crypto.randomUUID();
    const notFound = await rejects(requestRedelivery(f.pool, boss, f.principal, { ids: [retrying!.id, missing] }), "NOT_FOUND");
    expect(notFound.details).toEqual({ missing_ids: [missing] });
    const stillRetrying = await rejects(requestRedelivery(f.pool, boss, f.principal, { ids: [retrying!.id] }), "CONFLICT");
    expect(stillRetrying.message).toContain("still retrying");

    const [given] = await failed(connectionId, f.events(1), "GIVEN_UP");
    await setEnabled(f.deps, f.principal, connectionId, false);
    const disabled = await rejects(requestRedelivery(f.pool, boss, f.principal, { ids: [given!.id] }), "CONFLICT");
    expect(disabled.message).toContain("disabled");

    expect(await t.db.redelivery.count()).toBe(0);
    expect(await t.db.redeliveryItem.count()).toBe(0);
    expect(await t.db.event.count({ where: { eventType: { startsWith: "EVENT_STREAM_FAILURES_" } } })).toBe(0);
    expect(Number((await t.db.$queryRaw<{ n: bigint }[]>`SELECT count(*) AS n FROM pgboss.job WHERE name = ${REDELIVERY_QUEUE}`)[0]!.n)).toBe(0);
  });

  it("keeps skipped events with the reason, and does not send an event twice while another redelivery has it", async () => {
    const { id: connectionId } = await f.connect(r);
    const failures = await failed(connectionId, f.events(2), "GIVEN_UP");
    const first = await requestRedelivery(f.pool, boss, f.principal, { ids: [failures[0]!.id] });
    const second = await requestRedelivery(f.pool, boss, f.principal, { ids: failures.map((x) => x.id) });
    expect(second).toMatchObject({ total: 2, skipped: 1, pending: 1 });
    expect((await loadRedelivery(f.pool, f.principal.organizationId, second.id)).problems).toEqual([
      { state: "SKIPPED", message: "Another redelivery is already sending this event.", count: 1 },
    ]);
    await runRedelivery(runnerDeps(), first.id);
    await runRedelivery(runnerDeps(), second.id);
    expect(ids(r).sort()).toEqual(failures.map((x) => x.eventId).sort());
  });

  it("cancels: what is not sent yet is skipped, the counters add up, and the run stops", async () => {
    const { id: connectionId } = await f.connect(r);
    r.respondWith({ status: 200, delayMs: 100 });
    await failed(connectionId, f.events(40), "GIVEN_UP");
    const requested = await requestRedelivery(f.pool, boss, f.principal, { connection_id: connectionId });
    const run = runRedelivery(runnerDeps({ concurrency: 2 }), requested.id);
    await waitUntil(() => streamed(r).length >= 3, 10_000, "a few sent");
    const cancelled = await cancelRedelivery(f.pool, f.principal, requested.id);
    expect(cancelled.status).toBe("CANCELLED");
    expect(await run).toBe("cancelled");
    const sent = streamed(r).length;
    // Noticed at the next progress write (250 ms): far fewer than all 40 went out.
    expect(sent).toBeLessThanOrEqual(20);
    const done = await loadRedelivery(f.pool, f.principal.organizationId, requested.id);
    expect(done.succeeded + done.failed + done.skipped).toBe(40);
    expect(done.succeeded).toBeLessThanOrEqual(sent);
    expect(done.pending).toBe(0);
    await rejects(cancelRedelivery(f.pool, f.principal, requested.id), "CONFLICT");
    expect(await t.db.event.count({ where: { eventType: "EVENT_STREAM_FAILURES_REDELIVERY_CANCELLED" } })).toBe(1);
  });

  it("hands over to a new job when its time budget is spent, and lets only one run work a redelivery", async () => {
    const { id: connectionId } = await f.connect(r);
    r.respondWith({ status: 200, delayMs: 30 });
    const events = f.events(30);
    await failed(connectionId, events, "GIVEN_UP");
    const requested = await requestRedelivery(f.pool, boss, f.principal, { connection_id: connectionId });

    const slow = runRedelivery(runnerDeps({ budgetMs: 60_000, concurrency: 1 }), requested.id);
    await waitUntil(() => streamed(r).length >= 1, 5_000, "first send");
    expect(await runRedelivery(runnerDeps(), requested.id)).toBe("busy");
    await cancelRedelivery(f.pool, f.principal, requested.id);
    await slow;

    r.requests.length = 0;
    r.respondWith({ status: 200 });
    const again = await requestRedelivery(f.pool, boss, f.principal, { connection_id: connectionId });
    expect(again.total).toBeGreaterThan(15);
    await workRedeliveries(boss, runnerDeps({ budgetMs: 1, chunkSize: 8 }));
    await waitUntil(async () => (await loadRedelivery(f.pool, f.principal.organizationId, again.id)).status === "COMPLETED", 20_000, "completed in parts");
    const jobs = Number((await t.db.$queryRaw<{ n: bigint }[]>`SELECT count(*) AS n FROM pgboss.job WHERE name = ${REDELIVERY_QUEUE}`)[0]!.n);
    expect(jobs).toBeGreaterThan(2);
    expect(new Set(ids(r)).size).toBe(ids(r).length);
    expect((await loadRedelivery(f.pool, f.principal.organizationId, again.id)).succeeded).toBe(again.total);
  });

  it("queues a job again for a redelivery whose job used up its retries, and only for that one", async () => {
    const { id: connectionId } = await f.connect(r);
    const failures = await failed(connectionId, f.events(2), "GIVEN_UP");
    const stuck = await requestRedelivery(f.pool, boss, f.principal, { ids: [failures[0]!.id] });
    await requestRedelivery(f.pool, boss, f.principal, { ids: [failures[1]!.id] });
    // As after pg-boss's last retry failed: the job is there, in state 'failed'.
    await f.pool.query("UPDATE pgboss.job SET state = 'failed' WHERE name = $1 AND data->>'redeliveryId' = $2", [REDELIVERY_QUEUE, stuck.id]);
    expect(await requeueStalledRedeliveries(f.pool, boss)).toBe(1);
    expect(await requeueStalledRedeliveries(f.pool, boss)).toBe(0);
    await workRedeliveries(boss, runnerDeps());
    await waitUntil(async () => (await loadRedelivery(f.pool, f.principal.organizationId, stuck.id)).status === "COMPLETED", 15_000, "the stuck one completed");
    expect(await requeueStalledRedeliveries(f.pool, boss)).toBe(0);
  });

  it("keeps at most one waiting job per redelivery, also in a queue an older version created", async () => {
    // As the previous version left it: the queue under pg-boss's standard policy, where a singleton key means nothing.
    await boss.deleteQueue(REDELIVERY_QUEUE);
    await boss.createQueue(REDELIVERY_QUEUE, { name: REDELIVERY_QUEUE, policy: "standard", retryLimit: 2 });
    await ensureJobQueue(boss, redeliveryJob);
    expect(await boss.getQueue(REDELIVERY_QUEUE)).toMatchObject({ policy: "short", retryLimit: 20, expireInSeconds: 300 });

    const { id: connectionId } = await f.connect(r);
    const [failure] = await failed(connectionId, f.events(1), "GIVEN_UP");
    const requested = await requestRedelivery(f.pool, boss, f.principal, { ids: [failure!.id] });
    expect(await sendJob(boss, redeliveryJob, { redeliveryId: requested.id })).toBeNull();
    const jobs = await t.db.$queryRaw<{ n: bigint }[]>`SELECT count(*) AS n FROM pgboss.job WHERE name = ${REDELIVERY_QUEUE} AND data->>'redeliveryId' = ${requested.id}`;
    expect(Number(jobs[0]!.n)).toBe(1);
  });
});
