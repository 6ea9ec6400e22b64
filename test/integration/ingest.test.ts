import type pg from "pg";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createPool } from "../../lib/db/pool";
import { readEventsAfter } from "../../lib/events/event-store";
import { AppError } from "../../lib/errors";
import { wireEvent, type WireEvent } from "../../lib/events/envelope";
import { parseIngestBody } from "../../lib/events/ingest";
import { publishEvents } from "../../lib/events/publish";
import { createTestDatabase, type TestDatabase } from "../helpers/db";

let t: TestDatabase;
let pool: pg.Pool;
let orgA: string;
let orgB: string;

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

const events = (n: number, type = "USER_LOGGED_IN") =>
  Array.from({ length: n }, (_, i) => wireEvent({ eventType: type, actor: { email: `u${i}@example.com` }, data: { i } }));

async function stored(organizationId: string) {
  const { rows } = await pool.query<{ id: string; seq: string; event_type: string }>(
    "SELECT id, seq::text, event_type FROM events WHERE organization_id = $1 ORDER BY events.seq",
    [organizationId],
  );
  return rows;
}

/** What POST /api/v1/events does after reading the JSON body. */
async function ingest(organizationId: string, body: unknown) {
  const parsed = parseIngestBody(body);
  await publishEvents(pool, organizationId, parsed);
  return { accepted: parsed.length, ids: parsed.map((e) => e.id) };
}

async function failure(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error("expected a rejection");
}

describe("publishEvents", () => {
  it("stores a batch of 1,000 in the order sent, with consecutive sequence numbers", async () => {
    const batch = events(1000);
    expect(await publishEvents(pool, orgA, batch)).toBe(1000);

    const rows = await stored(orgA);
    expect(rows.map((r) => r.id)).toEqual(batch.map((e) => e.id));
    const seqs = rows.map((r) => BigInt(r.seq));
    expect(seqs[999]! - seqs[0]!).toBe(999n);
  });

  it("stores every field so the streamer reads back exactly the published event", async () => {
    const sent: WireEvent[] = [
      wireEvent({
        eventType: "USER_ROLE_CHANGED",
        severity: "ALERT",
        timestamp: "2024-10-22T18:20:31.622Z",
        actor: { email: "ada@example.com", ipAddress: "203.0.113.7", name: "Ada", userId: "u-1", userAgent: "curl/8.5.0" },
        data: { role: "ADMIN", nested: { list: [1, "two", null], ok: true } },
      }),
      wireEvent({ eventType: "SYSTEM_JOB", timestamp: "2024-10-22T18:20:32.000Z" }),
    ];
    await publishEvents(pool, orgA, sent);

    const read = await readEventsAfter(pool, orgA, 0n, 10);
    expect(read.map((r) => r.event)).toEqual(sent);
    expect(read.map((r) => r.body)).toEqual(sent.map((e) => JSON.stringify(e)));
  });

  it("stores nothing when the database rejects one row of the batch", async () => {
    const batch = events(10);
    batch[6] = { ...batch[6]!, timestamp: "the day after tomorrow" };

    const err = await failure(publishEvents(pool, orgA, batch));
    expect(err).toMatchObject({ code: "22007" });
    expect(await stored(orgA)).toEqual([]);

    // The failed transaction left no lock or client behind: the next batch goes straight in.
    expect(await publishEvents(pool, orgA, events(3))).toBe(3);
    expect(pool.idleCount).toBe(pool.totalCount);
  });

  it("accepts ids it already has without storing them twice", async () => {
    const first = events(100);
    expect(await publishEvents(pool, orgA, first)).toBe(100);
    const before = await stored(orgA);

    const more = events(50);
    expect(await publishEvents(pool, orgA, [...first, ...more])).toBe(50);
    const after = await stored(orgA);
    expect(after).toHaveLength(150);
    expect(after.slice(0, 100)).toEqual(before);
    expect(after.slice(100).map((r) => r.id)).toEqual(more.map((e) => e.id));

    expect(await publishEvents(pool, orgA, [...more, ...first])).toBe(0);
    expect(await stored(orgA)).toHaveLength(150);
  });

  it("keeps the first version of an event when its id is sent again with other content", async () => {
    const [original] = events(1, "ORIGINAL");
    await publishEvents(pool, orgA, [original!]);
    expect(await publishEvents(pool, orgA, [{ ...original!, event_type: "REPLACEMENT" }])).toBe(0);
    expect((await stored(orgA)).map((r) => r.event_type)).toEqual(["ORIGINAL"]);
  });

  it("stores an id repeated inside one batch once", async () => {
    const [a, b] = events(2);
    expect(await publishEvents(pool, orgA, [a!, b!, a!])).toBe(2);
    expect((await stored(orgA)).map((r) => r.id)).toEqual([a!.id, b!.id]);
  });

  it("keeps the organizations' logs apart, even for the same event ids", async () => {
    const shared = events(5);
    expect(await publishEvents(pool, orgA, shared)).toBe(5);
    expect(await publishEvents(pool, orgB, shared)).toBe(5);
    expect(await publishEvents(pool, orgB, events(3))).toBe(3);

    expect((await stored(orgA)).map((r) => r.id)).toEqual(shared.map((e) => e.id));
    expect(await stored(orgB)).toHaveLength(8);
    expect((await readEventsAfter(pool, orgA, 0n, 100)).map((r) => r.event.id)).toEqual(shared.map((e) => e.id));
  });

  it("keeps data's key order and values byte for byte", async () => {
    const e = wireEvent({ eventType: "KEY_ORDER", data: { b: 1, a: 2, nested: { z: "é ✓", y: [3, 1, 2] }, empty: {} } });
    await publishEvents(pool, orgA, [e]);
    const { rows } = await pool.query<{ data: string }>("SELECT data::text AS data FROM events WHERE id = $1", [e.id]);
    expect(rows[0]!.data).toBe('{"b":1,"a":2,"nested":{"z":"é ✓","y":[3,1,2]},"empty":{}}');
  });

  it("gives concurrent batches of one organization consecutive sequence ranges", async () => {
    const batches = Array.from({ length: 5 }, () => events(200));
    const counts = await Promise.all(batches.map((b) => publishEvents(pool, orgA, b)));
    expect(counts).toEqual([200, 200, 200, 200, 200]);

    const seqOf = new Map((await stored(orgA)).map((r) => [r.id, BigInt(r.seq)]));
    for (const batch of batches) {
      const seqs = batch.map((e) => seqOf.get(e.id)!);
      expect(seqs[199]! - seqs[0]!).toBe(199n);
    }
  });

  it("returns 0 for an empty list without touching the database", async () => {
    expect(await publishEvents(pool, orgA, [])).toBe(0);
    expect(await stored(orgA)).toEqual([]);
  });
});

describe("ingesting a request body (parse, then publish)", () => {
  it("accepts a valid batch and answers with every id in order", async () => {
    const answer = await ingest(orgA, [{ event_type: "USER_LOGGED_IN" }, { event_type: "USER_LOGGED_OUT", severity: "WARNING" }]);
    expect(answer.accepted).toBe(2);
    expect((await stored(orgA)).map((r) => r.id)).toEqual(answer.ids);
  });

  it("stores nothing when one item of the batch is invalid", async () => {
    const body = [{ event_type: "USER_LOGGED_IN" }, { event_type: "USER_LOGGED_IN" }, { event_type: "USER_LOGGED_IN", severity: "LOUD" }];
    const err = await failure(ingest(orgA, body));
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: "VALIDATION_FAILED", details: [{ index: 2, path: "severity", message: "severity must be INFO, WARNING or ALERT" }] });
    expect(await stored(orgA)).toEqual([]);
  });

  it("accepts a re-sent body with the publisher's ids once", async () => {
    const body = [
      { id: "6b1f7c0e-2d55-4c53-9a3e-0f7f5d2a9b11", event_type: "USER_LOGGED_IN" },
      { id: "0b4f3b9a-7e8d-4c1a-8f2e-5d6c7b8a9f00", event_type: "USER_LOGGED_OUT" },
    ];
    expect((await ingest(orgA, body)).accepted).toBe(2);
    expect((await ingest(orgA, body)).ids).toEqual(body.map((b) => b.id));
    expect(await stored(orgA)).toHaveLength(2);
  });

  it.each([
    ["a NUL character in an actor field", { event_type: "USER_LOGGED_IN", actor_name: "Ada\u0000Lovelace" }, "actor_name"],
    ["a lone surrogate in an actor field", { event_type: "USER_LOGGED_IN", actor_user_agent: "agent \ud800" }, "actor_user_agent"],
    ["a timestamp in year 0", { event_type: "USER_LOGGED_IN", timestamp: "0000-06-01T00:00:00Z" }, "timestamp"],
    ["a timestamp that is year 0 in UTC", { event_type: "USER_LOGGED_IN", timestamp: "0001-01-01T00:30:00+01:00" }, "timestamp"],
    ["a timestamp that is year 10000 in UTC", { event_type: "USER_LOGGED_IN", timestamp: "9999-12-31T23:00:00-12:00" }, "timestamp"],
  ])("answers %s with a validation error, not a database error", async (_, item, path) => {
    const err = await failure(ingest(orgA, [{ event_type: "FINE" }, item]));
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: "VALIDATION_FAILED", details: [{ index: 1, path }] });
    expect(await stored(orgA)).toEqual([]);
  });

  it("stores text the database can hold: emoji, and NUL or surrogate escapes inside data", async () => {
    const { ids } = await ingest(orgA, [
      { event_type: "USER_LOGGED_IN", actor_name: "Ada 👩‍💻", data: { note: "a\u0000b", odd: "\ud800" } },
      { event_type: "USER_LOGGED_IN", timestamp: "0001-01-01T00:00:00Z" },
      { event_type: "USER_LOGGED_IN", timestamp: "9999-12-31T23:59:59.999Z" },
    ]);
    const read = await readEventsAfter(pool, orgA, 0n, 10);
    expect(read.map((r) => r.event.id)).toEqual(ids);
    expect(read[0]!.event.actor_name).toBe("Ada 👩‍💻");
    expect(read[0]!.event.data).toEqual({ note: "a\u0000b", odd: "\ud800" });
    expect(read[1]!.event.timestamp).toBe("0001-01-01T00:00:00.000Z");
    expect(read[2]!.event.timestamp).toBe("9999-12-31T23:59:59.999Z");
  });
});
