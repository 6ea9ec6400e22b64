import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../helpers/db";
import { startReceiver, type Receiver } from "../helpers/receiver";
import { streamed, streamingFixture, waitUntil } from "../helpers/streaming";

// How a worker learns of new events: LISTEN/NOTIFY, and for a notification that never arrived,
// the fallback in its tick (one query per worker, never one per connection).

let t: TestDatabase;
let f: Awaited<ReturnType<typeof streamingFixture>>;
let r: Receiver;

beforeEach(async () => {
  t = await createTestDatabase();
  f = await streamingFixture(t);
  r = await startReceiver();
});
afterEach(async () => {
  await f.close();
  await r.close();
  await t.drop();
});

/** Writes events the way a publisher would, minus the NOTIFY: as if the notification were lost. */
async function insertSilently(organizationId: string, n: number): Promise<string[]> {
  const { rows } = await f.pool.query<{ id: string }>(
    `INSERT INTO events (id, organization_id, transaction_id, event_type, timestamp, data)
     SELECT gen_random_uuid(), $1, gen_random_uuid(), 'USER_LOGGED_IN', now(), json_build_object('i', i) FROM generate_series(1, $2::int) AS i
     RETURNING id`,
    [organizationId, n],
  );
  return rows.map((x) => x.id);
}

const ids = () => streamed(r).map((g) => (g.json as { id: string }).id);

describe("wake-ups", () => {
  it("delivers events whose notification was lost: the fallback finds them", async () => {
    await f.connect(r);
    await f.startWorker();
    await f.publish(f.events(3));
    await waitUntil(() => streamed(r).length >= 3, 10_000, "the notified events");
    const silent = await insertSilently(f.principal.organizationId, 5);
    await waitUntil(() => silent.every((id) => ids().includes(id)), 5_000, "the events nobody was notified of");
    expect(new Set(ids()).size).toBe(8);
  });

  it("finds lost-notification events for a connection whose streamer was stopped for being idle", async () => {
    const { id } = await f.connect(r);
    const manager = await f.startWorker({}, undefined, {}, { sweepMs: 100 });
    await f.publish(f.events(2));
    await waitUntil(() => streamed(r).length >= 2, 10_000, "the first events");
    await waitUntil(() => manager.streamer(id) === undefined, 5_000, "the idle streamer stopped");
    const silent = await insertSilently(f.principal.organizationId, 4);
    await waitUntil(() => silent.every((e) => ids().includes(e)), 5_000, "the silent events");
    // Notified events start it again too.
    await waitUntil(() => manager.streamer(id) === undefined, 5_000, "idle again");
    await f.publish(f.events(1, "USER_LOGGED_IN"));
    await waitUntil(() => streamed(r).length >= 7, 5_000, "the notified event");
    expect(new Set(ids()).size).toBe(7);
  });

  it("starts streaming a connection that had a backlog when the worker took it over", async () => {
    await f.connect(r);
    await f.publish(f.events(20));
    await f.startWorker();
    await waitUntil(() => streamed(r).length >= 20, 10_000, "the backlog");
    expect(new Set(ids()).size).toBe(20);
  });
});
