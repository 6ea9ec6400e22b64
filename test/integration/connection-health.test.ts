import pg from "pg";
import PgBoss from "pg-boss";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { connectionHealth, getConnection, setEnabled } from "../../lib/connections/service";
import { MetricsCollector } from "../../lib/delivery/metrics";
import { connectionStats } from "../../lib/health/connection-stats";
import { loadFailingNotice, warnFailing } from "../../lib/health/failing-warning";
import { healthRows } from "../../lib/health/health-store";
import { bucketOf, emptyHistogram, percentile } from "../../lib/health/latency-histogram";
import { failingWarningEmailJob } from "../../lib/jobs/definitions/failing-warning-email";
import { failingEmail } from "../../lib/notifications/failing-email";
import { createMailer } from "../../lib/notifications/mailer";
import { createTestDatabase, type TestDatabase } from "../helpers/db";
import { startReceiver, type Receiver } from "../helpers/receiver";
import { startSmtpSink } from "../helpers/smtp-sink";
import { streamingFixture, waitUntil } from "../helpers/streaming";

let t: TestDatabase;
let f: Awaited<ReturnType<typeof streamingFixture>>;
let r: Receiver;
const MIN = 60_000;

beforeEach(async () => {
  t = await createTestDatabase();
  f = await streamingFixture(t, { RETRY_BASE_DELAY_MS: "20", RETRY_MAX_DELAY_MS: "100" });
  r = await startReceiver();
});
afterEach(async () => {
  await f.close();
  await r.close();
  await t.drop();
});

const healthOf = async (id: string, now = new Date()) => (await connectionHealth({ pool: f.pool, now: () => now }, f.principal.organizationId, [await position(id)])).get(id)!;
const position = async (id: string) => {
  const c = await t.db.connection.findUniqueOrThrow({ where: { id } });
  return { id, enabled: c.enabled, cursor: c.cursor };
};

describe("per-minute statistics", () => {
  it("add up what concurrent workers counted for the same connections and minutes, and read back as chart buckets", async () => {
    const ids = [(await f.connect(r, { type: "NONE" }, "One")).id, (await f.connect(r, { type: "NONE" }, "Two")).id];
    const now = Date.now();
    const base = now - (now % MIN) - 2 * MIN;
    const expected = new Map<string, { delivered: number; failed: number; latency: number[] }>();
    const workers = Array.from({ length: 4 }, () => new MetricsCollector());
    for (let round = 0; round < 5; round++) {
      workers.forEach((w, wi) => {
        // Each worker meets the connections in another order, so their flushes lock rows in different orders but for the statement's.
        const order = wi % 2 ? [...ids].reverse() : ids;
        for (let k = 0; k < 30; k++) {
          const id = order[k % 2]!;
          const minute = base + (k % 3) * MIN;
          const ok = (k + wi + round) % 4 !== 0;
          const latencyMs = 3 + ((k * 37 + wi * 11 + round) % 400);
          w.attempted(id, { ok, latencyMs, at: minute + 1000 + k });
          const key = `${id}|${minute}`;
          const e = expected.get(key) ?? { delivered: 0, failed: 0, latency: emptyHistogram() };
          if (ok) e.delivered++;
          else e.failed++;
          e.latency[bucketOf(latencyMs)]!++;
          expected.set(key, e);
        }
      });
      await Promise.all(workers.map((w) => w.flush(f.pool)));
    }

    for (const id of ids) {
      const stats = await connectionStats(f.pool, f.principal.organizationId, id, "1h", new Date(now));
      expect(stats.buckets).toHaveLength(60);
      expect(stats.bucket_seconds).toBe(60);
      expect(stats.buckets.at(-1)!.start).toBe(new Date(now - (now % MIN)).toISOString());
      for (let m = 0; m < 3; m++) {
        const e = expected.get(`${id}|${base + m * MIN}`)!;
        const bucket = stats.buckets.find((b) => b.start === new Date(base + m * MIN).toISOString())!;
        expect(bucket).toEqual({
          start: new Date(base + m * MIN).toISOString(),
          delivered: e.delivered,
          failed: e.failed,
          p50_ms: percentile(e.latency, 50),
          p95_ms: percentile(e.latency, 95),
        });
      }
      expect(stats.buckets.filter((b) => b.delivered + b.failed > 0)).toHaveLength(3);
      expect(stats.buckets[0]).toMatchObject({ delivered: 0, failed: 0, p50_ms: null, p95_ms: null });
    }
    // The 24-hour chart sums the same minutes into 15-minute buckets.
    const day = await connectionStats(f.pool, f.principal.organizationId, ids[0]!, "24h", new Date(now));
    expect(day.buckets).toHaveLength(96);
    const total = [...expected].filter(([k]) => k.startsWith(ids[0]!)).reduce((n, [, e]) => n + e.delivered, 0);
    expect(day.buckets.reduce((n, b) => n + b.delivered, 0)).toBe(total);
    // Another organization sees nothing of it.
    const foreign = await connectionStats(f.pool, crypto.randomUUID(), ids[0]!, "1h", new Date(now));
    expect(foreign.buckets.every((b) => b.delivered === 0 && b.failed === 0)).toBe(true);
  });

  it("loses nothing when a flush fails: the next one writes it", async () => {
    const { id } = await f.connect(r);
    const m = new MetricsCollector();
    m.attempted(id, { ok: true, latencyMs: 5 });
    m.attempted(id, { ok: false, latencyMs: 5 });
    // Renaming a table is the owner's right, not the app role's.
    const owner = new pg.Client({ connectionString: t.ownerUrl });
    await owner.connect();
    try {
      await owner.query("ALTER TABLE connection_stats RENAME TO connection_stats_away");
      await expect(m.flush(f.pool)).rejects.toThrow();
      await owner.query("ALTER TABLE connection_stats_away RENAME TO connection_stats");
    } finally {
      await owner.end();
    }
    m.attempted(id, { ok: true, latencyMs: 5 });
    await m.flush(f.pool);
    const stats = await connectionStats(f.pool, f.principal.organizationId, id, "1h");
    expect(stats.buckets.reduce((n, b) => n + b.delivered, 0)).toBe(2);
    expect(stats.buckets.reduce((n, b) => n + b.failed, 0)).toBe(1);
  });
});

describe("connection health", () => {
  it("merges what every worker saw: a later success ends the spell, an older one does not", async () => {
    const { id } = await f.connect(r);
    const [stream, redelivery] = [new MetricsCollector(), new MetricsCollector()];
    const t0 = Date.now() - 10 * MIN;
    stream.attempted(id, { ok: true, latencyMs: 4, at: t0 });
    stream.attempted(id, { ok: false, latencyMs: 4, at: t0 + 1000 });
    stream.attempted(id, { ok: false, latencyMs: 4, at: t0 + 2000 });
    await stream.flush(f.pool);
    let row = (await healthRows(f.pool, f.principal.organizationId, [id])).get(id)!;
    expect(row).toMatchObject({ last_success_at: new Date(t0), failing_since: new Date(t0 + 1000), failing_attempts: 2 });
    expect((await healthOf(id)).state).toBe("FAILING");

    // A redelivery run on another worker reports an older success: the spell goes on.
    redelivery.attempted(id, { ok: true, latencyMs: 4, at: t0 - 1000 });
    await redelivery.flush(f.pool);
    row = (await healthRows(f.pool, f.principal.organizationId, [id])).get(id)!;
    expect(row).toMatchObject({ last_success_at: new Date(t0), failing_since: new Date(t0 + 1000), failing_attempts: 2 });

    // A later success ends it; failures after that start a new one.
    redelivery.attempted(id, { ok: true, latencyMs: 4, at: t0 + 3000 });
    await redelivery.flush(f.pool);
    row = (await healthRows(f.pool, f.principal.organizationId, [id])).get(id)!;
    expect(row).toMatchObject({ last_success_at: new Date(t0 + 3000), last_failure_at: new Date(t0 + 2000), failing_since: null, failing_attempts: 0 });
    stream.attempted(id, { ok: false, latencyMs: 4, at: t0 + 4000 });
    await stream.flush(f.pool);
    row = (await healthRows(f.pool, f.principal.organizationId, [id])).get(id)!;
    expect(row).toMatchObject({ failing_since: new Date(t0 + 4000), failing_attempts: 1 });
  });

  it("turns FAILING within seconds of a failing destination, shows how far behind it is, and HEALTHY once it recovers", async () => {
    const { id } = await f.connect(r);
    r.respondWith({ status: 503, body: "maintenance" });
    await f.startWorker();
    await f.publish(f.events(5));
    await waitUntil(async () => {
      await f.metrics.flush(f.pool);
      return (await healthRows(f.pool, f.principal.organizationId, [id])).get(id)?.failing_since != null;
    }, 15_000, "a failure");
    // Past the grace period the badge says FAILING (checked with the clock moved on rather than by waiting).
    const later = new Date(Date.now() + 6_000);
    const failing = await healthOf(id, later);
    expect(failing).toMatchObject({ state: "FAILING", last_success_at: null, lag_capped: false });
    expect(failing.failing_since).not.toBeNull();
    expect(failing.lag_events).toBeGreaterThanOrEqual(5);
    expect(failing.oldest_pending_at).not.toBeNull();
    expect((await getConnection(f.deps, f.principal.organizationId, id)).health.lag_events).toBe(failing.lag_events);

    r.respondWith({ status: 200 });
    await waitUntil(async () => {
      await f.metrics.flush(f.pool);
      const h = await healthOf(id);
      return h.state === "HEALTHY" && h.lag_events === 0;
    }, 15_000, "recovery");
    const healthy = await healthOf(id);
    expect(healthy).toMatchObject({ state: "HEALTHY", failing_since: null, lag_events: 0, oldest_pending_at: null });
    expect(healthy.last_success_at).not.toBeNull();
    // The chart of the last hour has both.
    const stats = await connectionStats(f.pool, f.principal.organizationId, id, "1h");
    expect(stats.buckets.reduce((n, b) => n + b.failed, 0)).toBeGreaterThanOrEqual(1);
    expect(stats.buckets.reduce((n, b) => n + b.delivered, 0)).toBeGreaterThanOrEqual(5);

    await setEnabled(f.deps, f.principal, id, false);
    expect((await healthOf(id)).state).toBe("PAUSED");
  });

  it("is IDLE before anything was sent", async () => {
    const { id } = await f.connect(r);
    expect(await healthOf(id)).toEqual({
      state: "IDLE",
      failing_since: null,
      last_success_at: null,
      last_failure_at: null,
      lag_events: expect.any(Number),
      lag_capped: false,
      oldest_pending_at: expect.any(String),
    });
  });
});

describe("the failing-connection warning", () => {
  let boss: PgBoss;
  beforeEach(async () => {
    boss = new PgBoss({ connectionString: t.url });
    boss.on("error", () => undefined);
    await boss.start();
    await boss.createQueue(failingWarningEmailJob.name);
  });
  afterEach(async () => {
    await boss.stop({ graceful: false, wait: true });
  });
  const jobs = async () => Number((await t.db.$queryRaw<{ n: bigint }[]>`SELECT count(*) AS n FROM pgboss.job WHERE name = ${failingWarningEmailJob.name}`)[0]!.n);
  const T = { afterMs: 60 * MIN, minAttempts: 5 };

  it("is queued once per failing spell however many workers look, again only after a recovery, never while paused", async () => {
    const { id } = await f.connect(r, { type: "NONE" }, "Datadog prod");
    const m = new MetricsCollector();
    const now = Date.now();
    for (let i = 0; i < 6; i++) m.attempted(id, { ok: false, latencyMs: 10_000, at: now - 200 * MIN + i * MIN });
    const rows = await m.flush(f.pool);
    const queued = await Promise.all([1, 2, 3].map(() => warnFailing(f.pool, boss, rows, T)));
    expect(queued.reduce((a, b) => a + b, 0)).toBe(1);
    expect(await jobs()).toBe(1);

    // Still failing: no second warning.
    m.attempted(id, { ok: false, latencyMs: 10_000, at: now - 190 * MIN });
    expect(await warnFailing(f.pool, boss, await m.flush(f.pool), T)).toBe(0);

    // A success ends the spell; a new spell long enough warns again.
    m.attempted(id, { ok: true, latencyMs: 20, at: now - 150 * MIN });
    expect(await warnFailing(f.pool, boss, await m.flush(f.pool), T)).toBe(0);
    expect((await healthRows(f.pool, f.principal.organizationId, [id])).get(id)).toMatchObject({ failing_since: null, warned_at: null });
    for (let i = 0; i < 5; i++) m.attempted(id, { ok: false, latencyMs: 12, at: now - 140 * MIN + i * MIN });
    expect(await warnFailing(f.pool, boss, await m.flush(f.pool), T)).toBe(1);
    expect(await jobs()).toBe(2);

    // What the admins read: the numbers and a link.
    const [job] = await boss.fetch<{ connectionId: string; failingSince: string }>(failingWarningEmailJob.name);
    expect(job!.data.failingSince).toBe(new Date(now - 200 * MIN).toISOString());
    const loaded = (await loadFailingNotice(f.pool, job!.data))!;
    expect(loaded.to).toEqual([f.principal.user.email]);
    const smtp = await startSmtpSink();
    const mailer = createMailer({ smtpUrl: smtp.url, smtpRequireTls: false, emailFrom: "t@example.com", dataDir: "/nonexistent" }, pino({ level: "silent" }));
    const mail = failingEmail({ ...loaded.notice, autoDisableAfterMs: 360 * MIN, appUrl: "https://tributary.example" }, loaded.to);
    await mailer.send(mail);
    mailer.close();
    await smtp.close();
    expect(smtp.received).toHaveLength(1);
    expect(smtp.received[0]!.raw).toContain("Subject: Event streaming: deliveries to 'Datadog prod' are failing");
    expect(mail.text).toContain("have been failing for 2 h 20 min: 5 attempts in a row without a success");
    expect(mail.text).toMatch(/Status: Failing since .* \(2 h 20 min\)/);
    expect(mail.text).toContain("Last successful delivery: ");
    expect(mail.text).toMatch(/Waiting to be sent: \d+ events?/);
    expect(mail.text).toContain("disabled automatically");
    expect(mail.text).toContain(`https://tributary.example/settings/event-streaming/${id}`);
    expect(mail.html).toContain(`href="https://tributary.example/settings/event-streaming/failures?connection_id=${id}"`);

    // Paused: no warning, and re-enabling starts afresh.
    await setEnabled(f.deps, f.principal, id, false);
    m.attempted(id, { ok: false, latencyMs: 12, at: now - 10 * MIN });
    expect(await warnFailing(f.pool, boss, await m.flush(f.pool), T)).toBe(0);
    await setEnabled(f.deps, f.principal, id, true);
    expect((await healthRows(f.pool, f.principal.organizationId, [id])).get(id)).toMatchObject({ failing_since: null, warned_at: null, failing_attempts: 0 });
  });

  it("is not sent when the connection recovered before the email went out", async () => {
    const { id } = await f.connect(r);
    const m = new MetricsCollector();
    for (let i = 0; i < 6; i++) m.attempted(id, { ok: false, latencyMs: 10, at: Date.now() - 90 * MIN + i });
    await warnFailing(f.pool, boss, await m.flush(f.pool), T);
    const [job] = await boss.fetch<{ connectionId: string; failingSince: string }>(failingWarningEmailJob.name);
    m.attempted(id, { ok: true, latencyMs: 10 });
    await m.flush(f.pool);
    expect(await loadFailingNotice(f.pool, job!.data)).toBeNull();
  });
});
