import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppError } from "../../lib/errors";
import { listFailures, parseFailuresQuery } from "../../lib/failures/list-failures";
import { createTestDatabase, type TestDatabase } from "../helpers/db";
import { startReceiver, type Receiver } from "../helpers/receiver";
import { streamingFixture } from "../helpers/streaming";

let t: TestDatabase;
let f: Awaited<ReturnType<typeof streamingFixture>>;
let r: Receiver;
let a: string;
let b: string;
const NOW = new Date();

beforeAll(async () => {
  t = await createTestDatabase();
  f = await streamingFixture(t);
  r = await startReceiver();
  a = (await f.connect(r, { type: "NONE" }, "Alpha")).id;
  b = (await f.connect(r, { type: "NONE" }, "Beta")).id;
  // 250 failures over the last 40 days, alternating connections, status classes and event types.
  await f.pool.query(
    `INSERT INTO delivery_failures (organization_id, connection_id, event_seq, event_id, event_type, attempt, attempted_at,
                                    status_code, error, latency_ms, outcome)
     SELECT $1, CASE WHEN i % 2 = 0 THEN $2::uuid ELSE $3::uuid END, i, gen_random_uuid(),
            CASE WHEN i % 5 = 0 THEN 'ACCESS_GRANTED' ELSE 'USER_LOGGED_IN' END, 1,
            $4::timestamptz - make_interval(mins => i * 230),
            CASE i % 3 WHEN 0 THEN 500 WHEN 1 THEN 404 ELSE NULL END,
            CASE WHEN i % 3 = 2 THEN 'Timed out' END, 7, 'GIVEN_UP'
     FROM generate_series(1, 250) AS i`,
    [f.principal.organizationId, a, b, NOW],
  );
});
afterAll(async () => {
  await f.close();
  await r.close();
  await t.drop();
});

const list = (params: Record<string, string>) => listFailures(f.pool, f.principal.organizationId, parseFailuresQuery(params), NOW);

describe("the failed deliveries list", () => {
  it("pages through the last 30 days newest first without gaps or repeats", async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    let last = Infinity;
    do {
      const page = await list({ limit: "40", ...(cursor ? { cursor } : {}) });
      for (const row of page.data) {
        expect(new Date(row.attempted_at).getTime()).toBeLessThanOrEqual(last);
        last = new Date(row.attempted_at).getTime();
        seen.push(row.id);
      }
      cursor = page.next_cursor ?? undefined;
    } while (cursor);
    // 30 days = 43,200 minutes → failures 1..187 (i × 230 min) are inside the window.
    expect(seen).toHaveLength(187);
    expect(new Set(seen).size).toBe(187);
  });

  it("filters by connection, status class, event type and time range", async () => {
    const byConn = await list({ connection_id: a, limit: "200" });
    expect(byConn.data.every((x) => x.connection_id === a && x.connection_name === "Alpha")).toBe(true);
    expect((await list({ status_class: "5xx", limit: "200" })).data.every((x) => x.status_code === 500)).toBe(true);
    expect((await list({ status_class: "4xx", limit: "200" })).data.every((x) => x.status_code === 404)).toBe(true);
    const network = await list({ status_class: "network", limit: "200" });
    expect(network.data.every((x) => x.status_code === null && x.error === "Timed out")).toBe(true);
    expect((await list({ event_type: "ACCESS_GRANTED", limit: "200" })).data.every((x) => x.event_type === "ACCESS_GRANTED")).toBe(true);
    const since = new Date(NOW.getTime() - 24 * 3600_000).toISOString();
    const day = await list({ since, limit: "200" });
    expect(day.data).toHaveLength(6); // i × 230 min ≤ 1,440 min → i = 1..6
  });

  it("explains bad parameters", async () => {
    for (const params of [{ connection_id: "x" }, { since: "yesterday" }, { limit: "0" }, { limit: "500" }, { status_class: "3xx" }]) {
      expect(() => parseFailuresQuery(params), JSON.stringify(params)).toThrow(AppError);
    }
    await expect(list({ cursor: "garbage" })).rejects.toMatchObject({ code: "VALIDATION_FAILED" });
  });

  // Each passed the old shape check and made PostgreSQL fail the query (a 500).
  const forged = (text: string) => Buffer.from(text).toString("base64url");
  it.each([
    ["a month 13", "2026-13-01T00:00:00.000000Z|00000000-0000-4000-8000-000000000000"],
    ["hour 99", "2026-01-01T99:99:99.000000Z|00000000-0000-4000-8000-000000000000"],
    ["February 30", "2026-02-30T00:00:00.000000Z|00000000-0000-4000-8000-000000000000"],
    ["year 0000", "0000-01-01T00:00:00.000000Z|00000000-0000-4000-8000-000000000000"],
    ["a time of only colons", "2026-01-01 ::::.:Z|00000000-0000-4000-8000-000000000000"],
    ["an id of dashes", "2026-01-01T00:00:00.000000Z|------------------------------------"],
  ])("answers VALIDATION_FAILED for a crafted cursor with %s", async (_, text) => {
    const err = await list({ cursor: forged(text) }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: "VALIDATION_FAILED", status: 400, details: [{ path: "cursor", message: "Invalid cursor." }] });
  });
});
