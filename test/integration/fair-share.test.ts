import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SLOT_COUNT } from "../../lib/delivery/stream-slots";
import { wireEvent } from "../../lib/events/envelope";
import { publishEvents } from "../../lib/events/publish";
import { liveWorkers, slotHolders } from "../../lib/worker-presence";
import { createTestDatabase, type TestDatabase } from "../helpers/db";
import { startReceiver, type Receiver } from "../helpers/receiver";
import { ENCRYPTION_KEY, waitUntil } from "../helpers/streaming";
import { connectionsByHolder, insertTenants } from "../helpers/tenants";
import { exited, startWorkerRole } from "../helpers/worker-process";

// Workers started the way an operator adds them (TRIBUTARY_ROLE=worker npm start), sharing one
// database: each streams about 1/W of the connections, a joining worker gets its share, a killed
// one's share is taken over, and no connection is streamed by two at once.

let t: TestDatabase;
let r: Receiver;
const started: ReturnType<typeof startWorkerRole>[] = [];
let victimPid: number | null = null;

const ORGS = 300;
const PER_ORG = 3;

beforeEach(async () => {
  t = await createTestDatabase();
  r = await startReceiver();
});
afterEach(async () => {
  victimPid = null;
  for (const w of started.splice(0)) {
    const workerPid = w.workerPid();
    if (w.exitCode === null && w.signalCode === null) w.kill("SIGKILL");
    await exited(w);
    // npm start's worker stops by itself once its parent is gone (exit-with-parent); wait for it.
    if (workerPid) await waitUntil(() => !alive(workerPid), 20_000, "the worker process to exit");
  }
  await r.close();
  await t.drop();
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function worker() {
  const w = startWorkerRole(t.url, { ENCRYPTION_KEY, OUTBOUND_ALLOW_CIDRS: "127.0.0.0/8" });
  started.push(w);
  return w;
}

/** Slots are all held, by `n` workers, each holding its share within one slot. */
async function settledAmong(n: number): Promise<boolean> {
  const gone = started.find((w) => w.exitCode !== null && w.workerPid() !== victimPid);
  if (gone) throw new Error(`a worker's npm start exited:\n${gone.output().slice(-2000)}`);
  const holders = await slotHolders(t.pool);
  const sizes = [...holders.values()].map((s) => s.length);
  return holders.size === n && sizes.reduce((a, b) => a + b, 0) === SLOT_COUNT && Math.max(...sizes) - Math.min(...sizes) <= n;
}

async function shares(): Promise<number[]> {
  const total = ORGS * PER_ORG;
  return [...(await connectionsByHolder(t.pool)).values()].map((n) => n / total).sort();
}

/** Publishes one event to each organization; resolves with the event ids. */
async function publishTo(orgs: readonly string[]): Promise<string[]> {
  const ids: string[] = [];
  for (const org of orgs) {
    const e = wireEvent({ eventType: "USER_LOGGED_IN", data: { org } });
    ids.push(e.id);
    await publishEvents(t.pool, org, [e]);
  }
  return ids;
}

/** Every connection's cursor has passed its organization's last event. */
async function cursorsCaughtUp(): Promise<boolean> {
  const { rows } = await t.pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM connections c WHERE c.cursor < (SELECT max(e.seq) FROM events e WHERE e.organization_id = c.organization_id)`,
  );
  return rows[0]!.n === 0;
}

/** (event id, connection) pairs the receiver got, and whether any came twice. */
function deliveries() {
  const pairs = r.requests.map((q) => `${(q.json as { id: string }).id} ${q.query.get("c")}`);
  return { pairs: new Set(pairs), twice: pairs.length - new Set(pairs).size };
}

describe("workers sharing the fleet", () => {
  it("splits the connections between 2 and then 3 workers, hands a joining worker its share within 10 s and a killed one's within 5 s", async () => {
    const orgs = await insertTenants(t.pool, { organizations: ORGS, connectionsPerOrg: PER_ORG, url: r.url });

    const a = worker();
    const b = worker();
    await waitUntil(() => settledAmong(2), 90_000, "two workers holding half of the slots each");
    for (const share of await shares()) expect(share).toBeGreaterThan(0.4), expect(share).toBeLessThan(0.6);

    const first = await publishTo(orgs.slice(0, 40));
    await waitUntil(() => deliveries().pairs.size === first.length * PER_ORG, 15_000, "every connection of 40 organizations");

    const c = worker();
    await waitUntil(async () => (await liveWorkers(t.pool)).length === 3, 90_000, "a third worker up");
    const joined = Date.now();
    await waitUntil(() => settledAmong(3), 10_000, "the third worker holding its share");
    const joinMs = Date.now() - joined;
    for (const share of await shares()) expect(share).toBeGreaterThan(0.22), expect(share).toBeLessThan(0.45);

    const second = await publishTo(orgs.slice(40, 80));
    await waitUntil(() => deliveries().pairs.size === (first.length + second.length) * PER_ORG, 15_000, "every connection of 40 more organizations");
    expect(deliveries().twice).toBe(0);

    // Kill the third worker's process outright: its database sessions end, its locks go with them.
    // Every cursor written first: a worker killed before its cursor write (every 25 ms) would have the
    // next owner send those events again, which is at-least-once delivery, not two streamers at once.
    await waitUntil(cursorsCaughtUp, 5_000, "every cursor written");
    victimPid = c.workerPid()!;
    process.kill(victimPid, "SIGKILL");
    const killed = Date.now();
    await waitUntil(() => settledAmong(2), 5_000, "the two others holding every slot");
    const takeoverMs = Date.now() - killed;
    for (const share of await shares()) expect(share).toBeGreaterThan(0.4), expect(share).toBeLessThan(0.6);

    const third = await publishTo(orgs.slice(80, 300));
    await waitUntil(() => deliveries().pairs.size === (first.length + second.length + third.length) * PER_ORG, 20_000, "every connection after the takeover");
    expect(deliveries().twice).toBe(0);
    expect(a.exitCode).toBeNull();
    expect(b.exitCode).toBeNull();
    console.log(`fair share: 3rd worker settled ${joinMs} ms after it came up; slots taken over ${takeoverMs} ms after SIGKILL`);
  }, 240_000);
});

describe("an idle worker", () => {
  it("costs the same few queries a second whatever the number of connections", async () => {
    const { streamingFixture } = await import("../helpers/streaming");
    const f = await streamingFixture(t);
    try {
      await insertTenants(t.pool, { organizations: ORGS, connectionsPerOrg: PER_ORG, url: r.url });
      const manager = await f.startWorker({}, undefined, {}, { tickMs: 250 });
      await waitUntil(() => manager.owned.length === ORGS * PER_ORG, 15_000, "every connection owned");
      const commits = async () =>
        Number((await t.pool.query<{ n: string }>("SELECT xact_commit::text AS n FROM pg_stat_database WHERE datname = current_database()")).rows[0]!.n);
      // Statistics reach pg_stat_database within a second of a transaction.
      await new Promise((res) => setTimeout(res, 1_500));
      const before = await commits();
      await new Promise((res) => setTimeout(res, 4_000));
      const spent = (await commits()) - before;
      // Four ticks a second for four seconds, plus the two reads of the counter: nothing per connection
      // (the streamers of old polled once a second each: 900 connections, 3,600 queries).
      expect(spent).toBeLessThan(40);
      expect(manager.owned).toHaveLength(ORGS * PER_ORG);
    } finally {
      await f.close();
    }
  }, 60_000);
});
