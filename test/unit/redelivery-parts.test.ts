import { describe, expect, it } from "vitest";
import { DestinationGate } from "../../lib/delivery/destination-gate";
import { ResultBuffer } from "../../lib/delivery/result-buffer";

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

const ticks = async (n = 5) => {
  for (let i = 0; i < n; i++) await Promise.resolve();
};

describe("ResultBuffer", () => {
  it("keeps a result added while a write runs for the next write (none lost, none twice)", async () => {
    const writes: number[][] = [];
    let release = deferred<boolean>();
    const buffer = new ResultBuffer<number>(async (items) => {
      writes.push(items);
      return release.promise;
    }, 0);
    const first = buffer.add(1);
    await ticks();
    expect(writes).toEqual([[1]]);
    // The write of [1] is still running: these wait for the next one.
    expect(await buffer.add(2)).toBe(true);
    expect(await buffer.add(3)).toBe(true);
    const pending = release;
    release = deferred<boolean>();
    pending.resolve(true);
    expect(await first).toBe(true);
    const rest = buffer.flush();
    await ticks();
    release.resolve(true);
    expect(await rest).toBe(true);
    expect(writes).toEqual([[1], [2, 3]]);
  });

  it("writes at most once per interval while results arrive, and flush writes what is left", async () => {
    let now = 1_000;
    const writes: string[][] = [];
    const buffer = new ResultBuffer<string>(async (items) => (writes.push(items), true), 250, () => now);
    await buffer.add("a");
    now += 100;
    await buffer.add("b");
    expect(writes).toEqual([]);
    now += 150;
    await buffer.add("c");
    expect(writes).toEqual([["a", "b", "c"]]);
    now += 10;
    await buffer.add("d");
    expect(buffer.size).toBe(1);
    expect(await buffer.flush()).toBe(true);
    expect(await buffer.flush()).toBe(true);
    expect(writes).toEqual([["a", "b", "c"], ["d"]]);
  });

  it("never runs two writes at once, and reports a write that says stop", async () => {
    let running = 0;
    let most = 0;
    let gate = deferred<void>();
    const buffer = new ResultBuffer<number>(async (items) => {
      running++;
      most = Math.max(most, running);
      await gate.promise;
      running--;
      return !items.includes(99);
    }, 0);
    const a = buffer.add(1);
    await ticks();
    const b = buffer.flush(); // waits for the running write
    void buffer.add(99);
    await ticks();
    expect(running).toBe(1);
    gate.resolve();
    expect(await a).toBe(true);
    gate = deferred<void>();
    await ticks(20);
    gate.resolve();
    expect(await b).toBe(false);
    expect(most).toBe(1);
  });
});

describe("DestinationGate", () => {
  it("lets any number of requests go at once to a destination that answers 2xx", async () => {
    const gate = new DestinationGate(5);
    const answers = [deferred<boolean>(), deferred<boolean>(), deferred<boolean>()];
    let started = 0;
    const sends = answers.map((a) => gate.send("d", () => (started++, a.promise), (ok) => ok));
    await ticks();
    expect(started).toBe(3);
    for (const a of answers) a.resolve(true);
    expect(await Promise.all(sends)).toEqual([true, true, true]);
  });

  it("after a failure sends one request at a time until one succeeds, then several again", async () => {
    const gate = new DestinationGate(5);
    expect(await gate.send("d", async () => false, (ok) => ok)).toBe(false);
    const probe = deferred<boolean>();
    let started = 0;
    const first = gate.send("d", () => (started++, probe.promise), (ok) => ok);
    const second = gate.send("d", async () => (started++, true), (ok) => ok);
    await ticks();
    expect(started).toBe(1);
    probe.resolve(true);
    expect(await first).toBe(true);
    expect(await second).toBe(true);
    expect(started).toBe(2);

    const slow = [deferred<boolean>(), deferred<boolean>()];
    let concurrent = 0;
    const both = slow.map((s) => gate.send("d", () => (concurrent++, s.promise), (ok) => ok));
    await ticks();
    expect(concurrent).toBe(2);
    for (const s of slow) s.resolve(true);
    await Promise.all(both);
  });

  it("stops sending to a destination after N failures in a row, and only to that one", async () => {
    const gate = new DestinationGate(3);
    let sent = 0;
    const fail = () => gate.send("bad", async () => (sent++, false), (ok) => ok);
    const results = [await fail(), await fail(), await fail(), await fail(), await fail()];
    expect(results).toEqual([false, false, false, null, null]);
    expect(sent).toBe(3);
    expect(await gate.send("good", async () => true, (ok) => ok)).toBe(true);
  });
});
