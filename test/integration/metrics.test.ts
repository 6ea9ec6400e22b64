import type pg from "pg";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createPool } from "../../lib/db/pool";
import { withDatabase } from "../../lib/db/url";
import { LATENCY_BUCKETS_MS, MetricsCollector } from "../../lib/delivery/metrics";
import { renderMetrics } from "../../lib/delivery/prometheus";
import { wireEvent } from "../../lib/events/envelope";
import { publishEvents } from "../../lib/events/publish";
import { createTestDatabase, type TestDatabase } from "../helpers/db";
import { startReceiver, type Receiver } from "../helpers/receiver";
import { streamed, streamingFixture, waitUntil } from "../helpers/streaming";

/** Prometheus text → `name{labels}` → value, plus the sample lines in order. */
function parse(text: string) {
  const samples = new Map<string, number>();
  const lines = text.split("\n").filter((l) => l !== "" && !l.startsWith("#"));
  for (const line of lines) {
    const at = line.lastIndexOf(" ");
    samples.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return { samples, lines };
}

const sample = (text: string, name: string, connectionId: string, extra = "") => {
  const key = [...parse(text).samples.keys()].find((k) => k.startsWith(`${name}{connection_id="${connectionId}",`) && k.endsWith(`${extra}}`));
  if (!key) throw new Error(`no ${name} sample for ${connectionId}${extra}`);
  return parse(text).samples.get(key)!;
};

describe("metrics stored per connection", () => {
  let t: TestDatabase;
  let pool: pg.Pool;
  let orgA: string;
  let orgB: string;

  const connection = async (organizationId: string, name: string, enabled = true) =>
    (await t.db.connection.create({ data: { organizationId, name, url: "https://siem.example.com/intake", authType: "NONE", enabled } })).id;
  const row = async (connectionId: string) =>
    (
      await pool.query<{ delivered: string; failed_attempts: string; retries: string; given_up: string; rejected: string; latency_buckets: string[]; latency_sum_ms: number }>(
        `SELECT delivered::text, failed_attempts::text, retries::text, given_up::text, rejected::text,
                latency_buckets::text[], latency_sum_ms FROM connection_metrics WHERE connection_id = $1`,
        [connectionId],
      )
    ).rows[0];

  beforeEach(async () => {
    t = await createTestDatabase();
    pool = createPool(t.url, 5);
    orgA = (await t.db.organization.create({ data: { name: "Acme" } })).id;
    orgB = (await t.db.organization.create({ data: { name: "Globex" } })).id;
  });
  afterEach(async () => {
    await pool.end();
    await t.drop();
  });

  it("adds a second flush to the first instead of overwriting it", async () => {
    const c = await connection(orgA, "Splunk");
    const m = new MetricsCollector();
    m.delivered(c, 3);
    m.delivered(c, 7);
    m.failedAttempt(c, true);
    m.failedAttempt(c, false);
    m.givenUp(c);
    await m.flush(pool);
    m.delivered(c, 40);
    m.failedAttempt(c, true);
    m.rejected(c);
    await m.flush(pool);

    const r = await row(c);
    expect(r).toMatchObject({ delivered: "3", failed_attempts: "3", retries: "2", given_up: "1", rejected: "1", latency_sum_ms: 50 });
    // 3 ms ≤ 5, 7 ms ≤ 10, 40 ms ≤ 50 (per bucket, not cumulative, in the table).
    expect(r!.latency_buckets.map(Number)).toEqual([1, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  });

  it("sums the counts of several workers into one row", async () => {
    const c = await connection(orgA, "Splunk");
    const workers = [new MetricsCollector(), new MetricsCollector(), new MetricsCollector()];
    workers.forEach((m, i) => {
      for (let n = 0; n <= i; n++) m.delivered(c, 100);
    });
    await Promise.all(workers.map((m) => m.flush(pool)));
    expect(await row(c)).toMatchObject({ delivered: "6", latency_sum_ms: 600 });
  });

  it("writes nothing when there is nothing to flush, and flushes each delta only once", async () => {
    const c = await connection(orgA, "Splunk");
    const m = new MetricsCollector();
    await m.flush(pool);
    expect(await row(c)).toBeUndefined();
    m.delivered(c, 1);
    await m.flush(pool);
    await m.flush(pool);
    expect(await row(c)).toMatchObject({ delivered: "1" });
  });

  it("drops the counts of a connection deleted before the flush and keeps the others", async () => {
    const kept = await connection(orgA, "Kept");
    const gone = await connection(orgA, "Gone");
    const m = new MetricsCollector();
    m.delivered(kept, 1);
    m.delivered(gone, 1);
    await t.db.connection.delete({ where: { id: gone } });
    await m.flush(pool);
    expect(await row(kept)).toMatchObject({ delivered: "1" });
    expect(await row(gone)).toBeUndefined();
  });

  it("keeps the counts of a failed flush for the next one", async () => {
    const c = await connection(orgA, "Splunk");
    const m = new MetricsCollector();
    m.delivered(c, 12);
    m.failedAttempt(c, true);
    const broken = createPool(withDatabase(t.url, "no_such_database"), 1);
    await expect(m.flush(broken)).rejects.toThrow(/no_such_database/);
    await broken.end();
    m.delivered(c, 8);
    await m.flush(pool);
    const r = await row(c);
    expect(r).toMatchObject({ delivered: "2", failed_attempts: "1", retries: "1", latency_sum_ms: 20 });
    expect(r!.latency_buckets.map(Number)).toEqual([0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  });

  it("renders a cumulative latency histogram whose +Inf bucket and _count equal the deliveries", async () => {
    const c = await connection(orgA, "Splunk");
    const m = new MetricsCollector();
    const latencies = [1, 5, 6, 10, 50, 99, 100, 30_000, 60_000, 60_001, 120_000];
    for (const ms of latencies.slice(0, 5)) m.delivered(c, ms);
    await m.flush(pool);
    for (const ms of latencies.slice(5)) m.delivered(c, ms);
    await m.flush(pool);

    const text = await renderMetrics(pool, orgA);
    const buckets = [...LATENCY_BUCKETS_MS.map(String), "+Inf"].map((le) => sample(text, "tributary_delivery_latency_ms_bucket", c, `,le="${le}"`));
    //                5  10 20 50 100 250 500 1000 2500 5000 10000 30000 60000 +Inf
    expect(buckets).toEqual([2, 4, 4, 5, 7, 7, 7, 7, 7, 7, 7, 8, 9, 11]);
    expect(sample(text, "tributary_delivery_latency_ms_count", c)).toBe(11);
    expect(sample(text, "tributary_delivery_latency_ms_sum", c)).toBe(latencies.reduce((a, b) => a + b, 0));
    expect(sample(text, "tributary_deliveries_total", c, ',outcome="delivered"')).toBe(11);

    const bucketLines = parse(text).lines.filter((l) => l.startsWith("tributary_delivery_latency_ms_bucket"));
    expect(bucketLines.map((l) => /le="([^"]+)"/.exec(l)![1])).toEqual([...LATENCY_BUCKETS_MS.map(String), "+Inf"]);
  });

  it("renders every counter by outcome, retries and the enabled gauge", async () => {
    const on = await connection(orgA, "On");
    const off = await connection(orgA, "Off", false);
    const m = new MetricsCollector();
    m.delivered(on, 20);
    m.failedAttempt(on, true);
    m.failedAttempt(on, true);
    m.failedAttempt(on, false);
    m.givenUp(on);
    m.failedAttempt(on, false);
    m.rejected(on);
    m.redelivery(on, true);
    m.redelivery(on, true);
    m.redelivery(on, false);
    await m.flush(pool);

    const text = await renderMetrics(pool, orgA);
    expect(sample(text, "tributary_redeliveries_total", on, ',outcome="delivered"')).toBe(2);
    expect(sample(text, "tributary_redeliveries_total", on, ',outcome="failed"')).toBe(1);
    expect(sample(text, "tributary_redeliveries_total", off, ',outcome="delivered"')).toBe(0);
    expect(sample(text, "tributary_deliveries_total", on, ',outcome="delivered"')).toBe(1);
    expect(sample(text, "tributary_deliveries_total", on, ',outcome="failed"')).toBe(4);
    expect(sample(text, "tributary_deliveries_total", on, ',outcome="rejected"')).toBe(1);
    expect(sample(text, "tributary_deliveries_total", on, ',outcome="given_up"')).toBe(1);
    expect(sample(text, "tributary_delivery_retries_total", on)).toBe(2);
    expect(sample(text, "tributary_connection_enabled", on)).toBe(1);
    expect(sample(text, "tributary_connection_enabled", off)).toBe(0);
    // A connection that never delivered shows zeros, not gaps.
    expect(sample(text, "tributary_deliveries_total", off, ',outcome="delivered"')).toBe(0);
    expect(sample(text, "tributary_delivery_latency_ms_bucket", off, ',le="+Inf"')).toBe(0);
    expect(sample(text, "tributary_delivery_latency_ms_count", off)).toBe(0);
  });

  it("shows only the given organization's connections", async () => {
    const a1 = await connection(orgA, "A one");
    const a2 = await connection(orgA, "A two");
    const b1 = await connection(orgB, "B one");
    const m = new MetricsCollector();
    m.delivered(a1, 1);
    m.delivered(b1, 1);
    m.delivered(b1, 1);
    await m.flush(pool);

    const textA = await renderMetrics(pool, orgA);
    const textB = await renderMetrics(pool, orgB);
    const idsIn = (text: string) => new Set([...text.matchAll(/connection_id="([^"]+)"/g)].map((x) => x[1]));
    expect(idsIn(textA)).toEqual(new Set([a1, a2]));
    expect(idsIn(textB)).toEqual(new Set([b1]));
    expect(sample(textB, "tributary_deliveries_total", b1, ',outcome="delivered"')).toBe(2);
    for (const name of ["tributary_deliveries_total", "tributary_delivery_retries_total", "tributary_delivery_latency_ms", "tributary_connection_lag_events", "tributary_connection_enabled"]) {
      expect(textA.split("\n").filter((l) => l.startsWith(`# TYPE ${name} `))).toHaveLength(1);
    }
  });

  it("renders only the HELP and TYPE lines for an organization without connections", async () => {
    const text = await renderMetrics(pool, orgB);
    expect(parse(text).lines).toEqual([]);
    expect(text).toContain("# TYPE tributary_delivery_latency_ms histogram\n");
  });

  it("escapes quotes, backslashes and newlines in connection names", async () => {
    const c = await connection(orgA, 'Splunk "prod" \\ eu\nwest');
    const text = await renderMetrics(pool, orgA);
    expect(text).toContain(`tributary_connection_enabled{connection_id="${c}",connection_name="Splunk \\"prod\\" \\\\ eu\\nwest"} 1\n`);
  });

  it("counts lag from the connection's cursor within its own organization only", async () => {
    const c = await connection(orgA, "Splunk");
    const ev = (n: number) => Array.from({ length: n }, () => wireEvent({ eventType: "USER_LOGGED_IN" }));
    await publishEvents(pool, orgA, ev(7));
    await publishEvents(pool, orgB, ev(30));
    expect(sample(await renderMetrics(pool, orgA), "tributary_connection_lag_events", c)).toBe(7);

    const { rows } = await pool.query<{ seq: string }>("SELECT seq::text FROM events WHERE organization_id = $1 ORDER BY events.seq", [orgA]);
    await pool.query("UPDATE connections SET cursor = $2 WHERE id = $1", [c, rows[4]!.seq]);
    expect(sample(await renderMetrics(pool, orgA), "tributary_connection_lag_events", c)).toBe(2);
  });
});

describe("metrics of a streaming connection", () => {
  let t: TestDatabase;
  let f: Awaited<ReturnType<typeof streamingFixture>>;
  let receiver: Receiver;

  beforeEach(async () => {
    t = await createTestDatabase();
    f = await streamingFixture(t);
    receiver = await startReceiver();
  });
  afterEach(async () => {
    await f.close();
    await receiver.close();
    await t.drop();
  });

  it("shows the backlog as lag, then zero lag and every delivery once a worker has streamed it", async () => {
    const { id } = await f.connect(receiver);
    await f.publish(f.events(25));

    // The connection's own CREATED audit event is in the backlog too.
    let text = await renderMetrics(f.pool, f.principal.organizationId);
    expect(sample(text, "tributary_connection_lag_events", id)).toBe(26);
    expect(sample(text, "tributary_deliveries_total", id, ',outcome="delivered"')).toBe(0);

    await f.startWorker();
    await waitUntil(async () => sample(await renderMetrics(f.pool, f.principal.organizationId), "tributary_connection_lag_events", id) === 0, 15_000, "lag 0");
    await waitUntil(
      async () => {
        await f.metrics.flush(f.pool);
        text = await renderMetrics(f.pool, f.principal.organizationId);
        return sample(text, "tributary_deliveries_total", id, ',outcome="delivered"') === 26;
      },
      15_000,
      "26 deliveries counted",
    );
    expect(sample(text, "tributary_delivery_latency_ms_count", id)).toBe(26);
    expect(sample(text, "tributary_delivery_latency_ms_bucket", id, ',le="+Inf"')).toBe(26);
    expect(sample(text, "tributary_deliveries_total", id, ',outcome="failed"')).toBe(0);
    expect(streamed(receiver)).toHaveLength(25);
    expect(streamed(receiver, "EVENT_STREAM_CONNECTIONS_CREATED")).toHaveLength(1);
  });
});
