import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createHttpClient } from "../../lib/delivery/http-client";
import { parseAllowList } from "../../lib/delivery/outbound-guard";
import { createTestDatabase, type TestDatabase } from "../helpers/db";
import { type Behaviour, type RawDestination, startRawDestination } from "../helpers/raw-destination";
import { streamingFixture, waitUntil } from "../helpers/streaming";

// Destinations that misbehave at the TCP level. Every attempt must end within the overall deadline
// (connect + DELIVERY_TIMEOUT_MS), read at most 4 KiB, and be recorded as a failure.

const CONNECT_MS = 300;
const RESPONSE_MS = 700;
const OVERALL_MS = CONNECT_MS + RESPONSE_MS;
const TEN_MB = 10 * 1024 * 1024;
const loopback = parseAllowList(["127.0.0.0/8"]);

describe("the delivery HTTP client against misbehaving destinations", () => {
  const http = createHttpClient({ allow: loopback, connectTimeoutMs: CONNECT_MS, responseTimeoutMs: RESPONSE_MS });
  let dest: RawDestination;
  beforeAll(async () => {
    dest = await startRawDestination();
  });
  afterAll(async () => {
    await http.close();
    await dest.close();
  });

  async function post(behaviour: Behaviour, excerptOnSuccess = true) {
    dest.behave(behaviour);
    const started = performance.now();
    // Fails the test, rather than hanging it, when an attempt is not bounded.
    const bound = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`the ${behaviour} attempt was still running after 5 s`)), 5_000).unref());
    const result = await Promise.race([http.post(new URL(dest.url), { "content-type": "application/json" }, '{"id":1}', { excerptOnSuccess }), bound]);
    return { result, ms: performance.now() - started };
  }

  it("gives up on a destination that accepts the connection and never answers", async () => {
    const { result, ms } = await post("silent");
    expect(result).toMatchObject({ ok: false, status: null, error: { kind: "timeout" } });
    expect(ms).toBeLessThan(OVERALL_MS + 1_000);
  });

  it.each([true, false])("ends an answer dripped a byte every 100 ms at the overall deadline (excerpt wanted: %s)", async (excerptOnSuccess) => {
    const { result, ms } = await post("drip-body", excerptOnSuccess);
    expect(result).toMatchObject({ ok: false, status: 200, error: { kind: "timeout" } });
    expect(result.error!.message).toMatch(new RegExp(`answered 200, but the answer was cut off: No complete answer within ${OVERALL_MS} ms`));
    expect(ms).toBeGreaterThanOrEqual(OVERALL_MS - 50);
    expect(ms).toBeLessThan(OVERALL_MS + 1_000);
  });

  it("reads 4 KiB of a 10 MB error answer and hangs up", async () => {
    const { result, ms } = await post("huge-error");
    expect(result).toMatchObject({ ok: false, status: 500, error: null });
    expect(result.responseExcerpt).toHaveLength(4_096);
    expect(ms).toBeLessThan(OVERALL_MS);
    const answered = dest.log.at(-1)!;
    await waitUntil(() => answered.closed, 5_000, "the connection to close");
    // What the client took before hanging up: its 4 KiB plus what the kernel's socket buffers held.
    expect(answered.bytesTaken).toBeLessThan(TEN_MB / 2);
  });

  it("counts a 2xx with a 10 MB body as delivered without reading it", async () => {
    const { result, ms } = await post("huge-ok", false);
    expect(result).toMatchObject({ ok: true, status: 200, error: null, responseExcerpt: null });
    expect(ms).toBeLessThan(OVERALL_MS);
    const answered = dest.log.at(-1)!;
    await waitUntil(() => answered.closed, 5_000, "the connection to close");
    // What the client took before hanging up: its 4 KiB plus what the kernel's socket buffers held.
    expect(answered.bytesTaken).toBeLessThan(TEN_MB / 2);
  });

  it("records a reset in the middle of an answer as a network failure, keeping what arrived", async () => {
    const { result } = await post("reset-mid-body");
    expect(result).toMatchObject({ ok: false, status: 503, error: { kind: "network" }, responseExcerpt: "upstream busy, partial answer" });
    expect(result.error!.message).toMatch(/answered 503, but the answer was cut off: .*ECONNRESET|answered 503, but the answer was cut off/);
  });

  it("records a reset before any answer as a network failure", async () => {
    const { result } = await post("reset-before-answer");
    expect(result).toMatchObject({ ok: false, status: null, error: { kind: "network" } });
  });

});

describe("streaming to misbehaving destinations", () => {
  let t: TestDatabase;
  let f: Awaited<ReturnType<typeof streamingFixture>>;
  let dest: RawDestination;

  beforeEach(async () => {
    t = await createTestDatabase();
    f = await streamingFixture(t, {
      DELIVERY_CONNECT_TIMEOUT_MS: String(CONNECT_MS),
      DELIVERY_TIMEOUT_MS: String(RESPONSE_MS),
      RETRY_BASE_DELAY_MS: "50",
      RETRY_MAX_DELAY_MS: "100",
    });
    dest = await startRawDestination();
  });
  afterEach(async () => {
    await f.close();
    await dest.close();
    await t.drop();
  });

  it("records each fault as a failed attempt within the deadline, then delivers everything once the destination recovers", async () => {
    const { id } = await f.connect(dest as never);
    await f.startWorker({ maxInFlight: 1 });
    const events = f.events(3);
    const failures = async () =>
      (
        await f.pool.query<{ status_code: number | null; error: string; latency_ms: number; response_excerpt: string | null; outcome: string }>(
          "SELECT status_code, error, latency_ms, response_excerpt, outcome::text FROM delivery_failures WHERE connection_id = $1 ORDER BY attempted_at, id",
          [id],
        )
      ).rows;
    dest.next("drip-body", "silent", "huge-error", "reset-mid-body");
    await f.publish(events);
    await waitUntil(async () => (await f.pool.query("SELECT cursor FROM connections WHERE id = $1 AND cursor >= (SELECT max(seq) FROM events)", [id])).rowCount === 1, 15_000, "the backlog delivered");

    const rows = await failures();
    expect(rows[0]).toMatchObject({ status_code: 200, error: expect.stringContaining(`No complete answer within ${OVERALL_MS} ms`) });
    expect(rows[1]).toMatchObject({ status_code: null, error: expect.stringMatching(/No complete response within 700 ms/) });
    expect(rows[2]).toMatchObject({ status_code: 500 });
    expect(rows[2]!.response_excerpt!.length).toBeLessThanOrEqual(1_000);
    expect(rows[3]).toMatchObject({ status_code: 503, error: expect.stringContaining("cut off") });
    for (const r of rows) expect(r.latency_ms).toBeLessThan(OVERALL_MS + 600);
    expect(rows.every((r) => r.outcome === "DELIVERED_LATER")).toBe(true);
    // Nothing skipped: every event got a 2xx.
    const delivered = dest.log.filter((l) => l.behaviour === "ok").map((l) => (JSON.parse(l.body) as { id: string }).id);
    expect(events.every((e) => delivered.includes(e.id))).toBe(true);
  }, 60_000);
});
