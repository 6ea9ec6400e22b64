import type { ChildProcess } from "node:child_process";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../helpers/db";
import { startReceiver, type Receiver } from "../helpers/receiver";
import { ENCRYPTION_KEY, streamingFixture, waitUntil } from "../helpers/streaming";
import { exited, spawnWorker } from "../helpers/worker-process";

let t: TestDatabase;
let f: Awaited<ReturnType<typeof streamingFixture>>;
let r: Receiver;
const workers: ChildProcess[] = [];
const workerEnv = { ENCRYPTION_KEY, OUTBOUND_ALLOW_CIDRS: "127.0.0.0/8", STREAM_MAX_IN_FLIGHT: "2" };

beforeEach(async () => {
  t = await createTestDatabase();
  f = await streamingFixture(t);
  r = await startReceiver();
});
afterEach(async () => {
  for (const w of workers.splice(0)) {
    if (w.exitCode === null && w.signalCode === null) w.kill("SIGKILL");
    await exited(w);
  }
  await f.close();
  await r.close();
  await t.drop();
});

const delivered = () => r.requests.filter((q) => q.status === 200).flatMap((q) => q.events.filter((e) => e.event_type === "USER_LOGGED_IN").map((e) => e.id as string));

describe("batches and a crash", () => {
  it("loses nothing when the worker is killed with SIGKILL mid-batch; the next one resends what was not settled", async () => {
    r.respondWith({ status: 200, delayMs: 30 });
    await f.connect(r, { type: "NONE" }, "Batched", { format: "NDJSON", batch: { max_events: 100, max_bytes: 1_000_000, max_wait_ms: 50 }, compression: "GZIP" });
    const events = f.events(5000);
    await f.publish(events);
    const a = spawnWorker(t.url, workerEnv);
    workers.push(a);
    await waitUntil(() => delivered().length >= 1000, 60_000, "the first worker to be mid-stream");
    a.kill("SIGKILL");
    await exited(a);
    const before = delivered().length;
    expect(before).toBeLessThan(5000);

    const b = spawnWorker(t.url, workerEnv);
    workers.push(b);
    await waitUntil(() => new Set(delivered()).size === 5000, 90_000, "every event after the takeover");
    const all = delivered();
    expect(new Set(all)).toEqual(new Set(events.map((e) => e.id)));
    // At least once: only the batches in flight (2 × 100) and those settled since the last cursor write come twice.
    const duplicates = all.length - new Set(all).size;
    console.log(`kill -9 mid-batch: ${before} delivered before the kill, ${duplicates} delivered twice`);
    expect(duplicates).toBeLessThanOrEqual(400);
  }, 180_000);
});
