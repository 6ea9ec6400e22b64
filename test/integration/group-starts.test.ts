import pg from "pg";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { advanceCursors } from "../../lib/connections/stream-state";
import { publishEvents } from "../../lib/events/publish";
import { createTestDatabase, type TestDatabase } from "../helpers/db";
import { startReceiver, type Receiver } from "../helpers/receiver";
import { streamed, streamingFixture, waitUntil } from "../helpers/streaming";
import { insertTenants } from "../helpers/tenants";

// A worker starts the streamers of connections woken together as one group: one query loads their
// connections, one takes over their retrying attempts, one reads their organizations' first events
// (each streamer keeps only those after its own cursor), and their cursors are written together.

let t: TestDatabase;
let f: Awaited<ReturnType<typeof streamingFixture>>;
const receivers: Receiver[] = [];

beforeEach(async () => {
  t = await createTestDatabase();
  f = await streamingFixture(t);
});
afterEach(async () => {
  await f.close();
  await Promise.all(receivers.splice(0).map((r) => r.close()));
  await t.drop();
});

async function receiver(): Promise<Receiver> {
  const r = await startReceiver();
  receivers.push(r);
  return r;
}

/**
 * The worker's pool, counting the statements whose text contains each of `marks`; the first
 * `failFirst` statements marked `fail` are refused as a database that went away would.
 */
function countingPool(pool: pg.Pool, marks: Record<string, string>, failFirst = 0) {
  const counts = Object.fromEntries(Object.keys(marks).map((k) => [k, 0]));
  let failures = 0;
  const proxy = new Proxy(pool, {
    get(target, prop) {
      if (prop === "query") {
        return (...args: Parameters<pg.Pool["query"]>) => {
          const text = typeof args[0] === "string" ? args[0] : (args[0] as { text?: string }).text ?? "";
          for (const [k, mark] of Object.entries(marks)) if (text.includes(mark)) counts[k]!++;
          if (marks.fail && text.includes(marks.fail) && failures < failFirst) {
            failures++;
            return Promise.reject(new Error("Connection terminated unexpectedly"));
          }
          return (target.query as (...a: unknown[]) => unknown)(...args);
        };
      }
      const value = Reflect.get(target, prop, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { pool: proxy, counts };
}

const LOAD = "JOIN unnest($1::uuid[], $2::uuid[]) AS u(id, organization_id)";

describe("streamers started together", () => {
  it("starts 150 connections with a backlog in two groups, each with its own organization's event", async () => {
    const r = await receiver();
    const orgs = await insertTenants(f.pool, { organizations: 50, connectionsPerOrg: 3, url: r.url });
    for (const [i, org] of orgs.entries()) await publishEvents(f.pool, org, f.events(1, `TENANT_${i}`));
    const { pool, counts } = countingPool(f.pool, { load: LOAD });
    await f.startWorker({}, undefined, { pool });
    await waitUntil(() => r.requests.length >= 150, 15_000, "one event to each of the 150 connections");
    // Each connection got its own organization's event, once.
    const orgOf = new Map(
      (await f.pool.query<{ id: string; organization_id: string }>("SELECT id, organization_id FROM connections WHERE organization_id = ANY($1::uuid[])", [orgs])).rows.map(
        (c) => [c.id, c.organization_id],
      ),
    );
    const byConnection = new Map<string, string[]>();
    for (const req of r.requests) byConnection.set(req.query.get("c")!, [...(byConnection.get(req.query.get("c")!) ?? []), req.events[0]!.event_type as string]);
    expect(byConnection.size).toBe(150);
    for (const [connection, types] of byConnection) expect(types).toEqual([`TENANT_${orgs.indexOf(orgOf.get(connection)!)}`]);
    // Groups of at most 128: one load for the first 128 connections, one for the other 22.
    expect(counts.load).toBe(2);
    await waitUntil(
      async () => Number((await f.pool.query("SELECT count(*) FROM connections c JOIN events e ON e.organization_id = c.organization_id AND e.seq = c.cursor")).rows[0].count) === 150,
      5_000,
      "every cursor written",
    );
  });

  it("starts them again a second later when the database fails a group start", async () => {
    const r = await receiver();
    await f.connect(r);
    const { pool, counts } = countingPool(f.pool, { load: LOAD, fail: LOAD }, 1);
    await f.startWorker({}, undefined, { pool });
    const publishedAt = Date.now();
    await f.publish(f.events(3));
    await waitUntil(() => streamed(r).length >= 3, 10_000, "the events after the failed start");
    // Once more, a second later: not at once in a loop, not never.
    expect(counts.load).toBe(2);
    expect(streamed(r)[0]!.at - publishedAt).toBeGreaterThanOrEqual(900);
  });

  it("lets a connection dropped while its start is queued go, and stops cleanly", async () => {
    const r = await receiver();
    const { id } = await f.connect(r);
    const manager = await f.startWorker();
    // What a release of its slot or a disable does while the connection's events have just woken it.
    const inside = manager as unknown as { entries: Map<string, unknown>; kick(e: unknown): void; drop(e: unknown): void };
    const entry = inside.entries.get(id);
    expect(entry).toBeDefined();
    inside.kick(entry);
    inside.drop(entry);
    const stopped = await Promise.race([manager.stop().then(() => "stopped"), new Promise((r) => setTimeout(() => r("hung"), 5_000))]);
    expect(stopped).toBe("stopped");
    expect(manager.streamer(id)).toBeUndefined();
  });

  it("gives each streamer of a group the events after its own cursor, in order, past the first read", async () => {
    const [r1, r2, r3] = [await receiver(), await receiver(), await receiver()];
    const c1 = await f.connect(r1, { type: "NONE" }, "Behind by 120");
    const c2 = await f.connect(r2, { type: "NONE" }, "Behind by 150");
    const c3 = await f.connect(r3, { type: "NONE" }, "Up to date");
    const published = f.events(150);
    await f.publish(published);
    // In the order of the stream (the organization's own audit events of creating the connections come before).
    const stored = (
      await f.pool.query<{ seq: string; id: string }>("SELECT seq::text AS seq, id FROM events WHERE id = ANY($1::uuid[]) ORDER BY events.seq", [published.map((e) => e.id)])
    ).rows;
    const seqs = stored.map((x) => x.seq);
    const inOrder = stored.map((x) => x.id);
    // c1's cursor falls inside the group's first read (100 events from c2's), c3's after it.
    await f.pool.query("UPDATE connections SET cursor = $2 WHERE id = $1", [c1.id, seqs[29]]);
    await f.pool.query("UPDATE connections SET cursor = $2 WHERE id = $1", [c3.id, seqs[149]]);
    // One request in flight per connection, so arrival order is stream order.
    await f.startWorker({ maxInFlight: 1 });
    await waitUntil(() => streamed(r2).length >= 150 && streamed(r1).length >= 120, 15_000, "both backlogs");
    const ids = (r: Receiver) => streamed(r).map((x) => (x.json as { id: string }).id);
    expect(ids(r1)).toEqual(inOrder.slice(30));
    expect(ids(r2)).toEqual(inOrder);
    expect(ids(r3)).toEqual([]);
    const next = f.events(1);
    await f.publish(next);
    await waitUntil(() => [r1, r2, r3].every((r) => ids(r).includes(next[0]!.id)), 10_000, "the next event on all three");
    expect(ids(r3)).toEqual([next[0]!.id]);
  });

  it("fails only the connection whose secret cannot be opened; the rest of its group streams", async () => {
    const [good, bad] = [await receiver(), await receiver()];
    const g = await f.connect(good, { type: "HMAC" }, "Good");
    const b = await f.connect(bad, { type: "HMAC" }, "Sealed with another key");
    await f.pool.query("UPDATE hmac_secrets SET secret_encrypted = 'v2:AAAA:AAAA:AAAA' WHERE connection_id = $1", [b.id]);
    const manager = await f.startWorker();
    await f.publish(f.events(3));
    await waitUntil(() => streamed(good).length >= 3, 10_000, "the good connection's events");
    expect(streamed(good).every((req) => good.verifies(req, g.hmacSecret!))).toBe(true);
    expect(streamed(bad)).toHaveLength(0);
    expect(manager.streamer(g.id)).toBeDefined();
    expect(manager.streamer(b.id)).toBeUndefined();
  });

  it("writes the other cursors while one connection's row is held locked, and that one once it is free", async () => {
    const [ra, rb] = [await receiver(), await receiver()];
    const a = await f.connect(ra, { type: "NONE" }, "Row held by an edit");
    const b = await f.connect(rb, { type: "NONE" }, "Free");
    await f.startWorker();
    const cursorOf = async (id: string) => BigInt((await f.pool.query("SELECT cursor::text AS c FROM connections WHERE id = $1", [id])).rows[0].c);
    const held = await f.pool.connect();
    try {
      await held.query("BEGIN");
      await held.query("SELECT 1 FROM connections WHERE id = $1 FOR UPDATE", [a.id]);
      const before = await cursorOf(a.id);
      await f.publish(f.events(5));
      await waitUntil(() => streamed(ra).length >= 5 && streamed(rb).length >= 5, 10_000, "both deliveries");
      const newest = BigInt((await f.pool.query("SELECT max(seq)::text AS s FROM events WHERE organization_id = $1", [f.principal.organizationId])).rows[0].s);
      await waitUntil(async () => (await cursorOf(b.id)) === newest, 5_000, "the free connection's cursor written");
      expect(await cursorOf(a.id)).toBe(before);
      await held.query("COMMIT");
      await waitUntil(async () => (await cursorOf(a.id)) === newest, 5_000, "the held connection's cursor written once free");
    } finally {
      await held.query("ROLLBACK").catch(() => undefined);
      held.release();
    }
  });

  it("moves cursors only forward, once per connection, and skips only rows locked against it", async () => {
    const r = await receiver();
    const [x, y, z] = [await f.connect(r, { type: "NONE" }, "X"), await f.connect(r, { type: "NONE" }, "Y"), await f.connect(r, { type: "NONE" }, "Z")];
    await f.pool.query("UPDATE connections SET cursor = 50 WHERE id = ANY($1::uuid[])", [[x.id, y.id, z.id]]);
    const cursor = async (id: string) => Number((await f.pool.query("SELECT cursor FROM connections WHERE id = $1", [id])).rows[0].cursor);
    // A row held FOR KEY SHARE (a failed attempt being recorded) is written; one being deleted is skipped.
    const sharing = await f.pool.connect();
    const deleting = await f.pool.connect();
    try {
      await sharing.query("BEGIN");
      await sharing.query("SELECT 1 FROM connections WHERE id = $1 FOR KEY SHARE", [x.id]);
      await deleting.query("BEGIN");
      await deleting.query("DELETE FROM connections WHERE id = $1", [z.id]);
      const skipped = await advanceCursors(f.pool, [
        { id: x.id, cursor: 70n },
        { id: x.id, cursor: 60n },
        { id: y.id, cursor: 40n },
        { id: z.id, cursor: 90n },
        { id: "00000000-0000-4000-8000-000000000000", cursor: 99n },
      ]);
      expect(skipped).toEqual([z.id]);
      expect(await cursor(x.id)).toBe(70);
      expect(await cursor(y.id)).toBe(50);
      await deleting.query("COMMIT");
      expect(await advanceCursors(f.pool, [{ id: z.id, cursor: 90n }])).toEqual([]);
    } finally {
      await sharing.query("ROLLBACK").catch(() => undefined);
      await deleting.query("ROLLBACK").catch(() => undefined);
      sharing.release();
      deleting.release();
    }
  });
});
