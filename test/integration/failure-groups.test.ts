import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listFailureGroups, listFailures, parseFailuresQuery } from "../../lib/failures/list-failures";
import { createTestDatabase, type TestDatabase } from "../helpers/db";
import { startReceiver, type Receiver } from "../helpers/receiver";
import { streamingFixture } from "../helpers/streaming";

let t: TestDatabase;
let f: Awaited<ReturnType<typeof streamingFixture>>;
let r: Receiver;
let a: string;
let b: string;
const NOW = new Date();
const MIN = 60_000;
const ids = { stuck: crypto.randomUUID(), once: crypto.randomUUID(), rejected: crypto.randomUUID(), other: crypto.randomUUID() };

beforeAll(async () => {
  t = await createTestDatabase();
  f = await streamingFixture(t);
  r = await startReceiver();
  a = (await f.connect(r, { type: "NONE" }, "Alpha")).id;
  b = (await f.connect(r, { type: "NONE" }, "Beta")).id;
  const rows: [string, number, string, string, number, number, number | null, string | null, string][] = [];
  // One stuck event retried eight times on Alpha (503 then timeouts), still retrying.
  for (let i = 0; i < 8; i++) rows.push([a, 1, ids.stuck, "USER_LOGGED_IN", i + 1, 10 + i * 5, i < 5 ? 503 : null, i < 5 ? null : "Timed out", "RETRYING"]);
  // The same event once on Beta, given up.
  rows.push([b, 1, ids.stuck, "USER_LOGGED_IN", 1, 12, 500, null, "GIVEN_UP"]);
  rows.push([a, 2, ids.once, "ACCESS_GRANTED", 1, 3, 500, null, "DELIVERED_LATER"]);
  rows.push([a, 3, ids.rejected, "ACCESS_GRANTED", 1, 70, 400, null, "REJECTED"]);
  rows.push([b, 4, ids.other, "USER_LOGGED_IN", 1, 2, 502, null, "GIVEN_UP"]);
  for (const [conn, seq, eventId, type, attempt, minsAgo, status, error, outcome] of rows) {
    await f.pool.query(
      `INSERT INTO delivery_failures (organization_id, connection_id, event_seq, event_id, event_type, attempt, attempted_at, status_code, error, latency_ms, outcome)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 5, $10::"FailureOutcome")`,
      [f.principal.organizationId, conn, seq, eventId, type, attempt, new Date(NOW.getTime() - (200 - minsAgo) * MIN), status, error, outcome],
    );
  }
});
afterAll(async () => {
  await f.close();
  await r.close();
  await t.drop();
});

const groups = (params: Record<string, string>) => listFailureGroups(f.pool, f.principal.organizationId, parseFailuresQuery({ group: "event", ...params }), NOW);
const at = (minsAgo: number) => new Date(NOW.getTime() - (200 - minsAgo) * MIN).toISOString();

describe("failed deliveries grouped by event", () => {
  it("lists one row per (connection, event), the latest attempted first, with its count, first and last attempt and last answer", async () => {
    const page = await groups({});
    expect(page.data.map((g) => [g.connection_name, g.event_id])).toEqual([
      ["Alpha", ids.rejected],
      ["Alpha", ids.stuck],
      ["Beta", ids.stuck],
      ["Alpha", ids.once],
      ["Beta", ids.other],
    ]);
    expect(page.data[1]).toMatchObject({
      connection_id: a,
      event_type: "USER_LOGGED_IN",
      attempts: 8,
      first_attempted_at: at(10),
      last_attempted_at: at(45),
      status_code: null,
      error: "Timed out",
      outcome: "RETRYING",
    });
    expect(page.data[2]).toMatchObject({ attempts: 1, status_code: 500, outcome: "GIVEN_UP" });
    // The group's id is its last attempt: its detail and redelivery by id work as for an attempt.
    const attempts = await listFailures(f.pool, f.principal.organizationId, parseFailuresQuery({ event_id: ids.stuck, connection_id: a }), NOW);
    expect(attempts.data).toHaveLength(8);
    expect(attempts.data[0]!.id).toBe(page.data[1]!.id);
    expect(attempts.data.map((x) => x.attempt)).toEqual([8, 7, 6, 5, 4, 3, 2, 1]);
  });

  it("pages through groups without gaps or repeats", async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await groups({ limit: "2", ...(cursor ? { cursor } : {}) });
      seen.push(...page.data.map((g) => `${g.connection_id}/${g.event_id}`));
      cursor = page.next_cursor ?? undefined;
    } while (cursor);
    expect(seen).toHaveLength(5);
    expect(new Set(seen).size).toBe(5);
  });

  it("groups only the attempts that match the filters", async () => {
    const fiveXx = await groups({ status_class: "5xx", connection_id: a });
    expect(fiveXx.data.map((g) => [g.event_id, g.attempts, g.status_code])).toEqual([
      [ids.stuck, 5, 503],
      [ids.once, 1, 500],
    ]);
    const network = await groups({ status_class: "network" });
    expect(network.data).toEqual([expect.objectContaining({ event_id: ids.stuck, attempts: 3, error: "Timed out" })]);
    const since = await groups({ since: at(30) });
    expect(since.data.find((g) => g.event_id === ids.stuck && g.connection_id === a)).toMatchObject({ attempts: 4, first_attempted_at: at(30) });
    expect((await groups({ event_type: "ACCESS_GRANTED" })).data.map((g) => g.event_id)).toEqual([ids.rejected, ids.once]);
  });

  it("is scoped to the organization", async () => {
    const other = await listFailureGroups(f.pool, crypto.randomUUID(), parseFailuresQuery({ group: "event" }), NOW);
    expect(other.data).toEqual([]);
  });
});
