import { afterEach, describe, expect, it, vi } from "vitest";
import { CursorWindow } from "../../lib/delivery/cursor-window";
import { DeadlineSweeper } from "../../lib/delivery/deadline-sweeper";
import { trimFraction } from "../../lib/events/event-store";
import type { FailureKind } from "../../lib/delivery/http-client";
import { classifyResult, nextRetryDelay, parseRetryAfter } from "../../lib/delivery/retry-policy";
import { Wakeup } from "../../lib/delivery/wakeup";

const answered = (status: number) => ({ ok: status >= 200 && status < 300, status, error: null });
const failed = (kind: FailureKind) => ({ ok: false, status: null, error: { kind, message: `${kind} failure` } });

describe("classifyResult", () => {
  it.each([200, 201, 202, 204, 299])("delivers on %i", (status) => {
    expect(classifyResult(answered(status))).toBe("delivered");
  });

  it.each([301, 302, 304, 307, 308])("rejects a %i redirect without retrying", (status) => {
    expect(classifyResult(answered(status))).toBe("reject");
  });

  it.each([400, 401, 403, 404, 410, 413, 422])("rejects a %i as final", (status) => {
    expect(classifyResult(answered(status))).toBe("reject");
  });

  it.each([408, 429, 500, 502, 503, 504])("retries a %i", (status) => {
    expect(classifyResult(answered(status))).toBe("retry");
  });

  it.each<FailureKind>(["timeout", "dns", "tls", "refused", "network", "not_allowed"])("retries a %s error with no response", (kind) => {
    expect(classifyResult(failed(kind))).toBe("retry");
  });

  it.each([200, 204, 400, 404])("retries a %i answer that was cut off (reset or past the deadline) rather than trust or reject it", (status) => {
    expect(classifyResult({ ok: false, status, error: { kind: "timeout", message: "cut off" } })).toBe("retry");
    expect(classifyResult({ ok: false, status, error: { kind: "network", message: "ECONNRESET" } })).toBe("retry");
  });
});

describe("DeadlineSweeper", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("expires requests past their deadline, in order, with one interval that runs only while something is in flight", () => {
    vi.useFakeTimers();
    const sweeper = new DeadlineSweeper(1_000, () => new Error("late"), 100);
    const fired: string[] = [];
    const a = sweeper.begin();
    a.addEventListener("abort", () => fired.push("a"));
    vi.advanceTimersByTime(500);
    const b = sweeper.begin();
    b.addEventListener("abort", () => fired.push("b"));
    const c = sweeper.begin();
    sweeper.end(c);
    expect(vi.getTimerCount()).toBe(1);

    vi.advanceTimersByTime(600);
    expect(fired).toEqual(["a"]);
    expect(a).toMatchObject({ aborted: true, reason: new Error("late") });
    expect(b.aborted).toBe(false);
    vi.advanceTimersByTime(500);
    expect(fired).toEqual(["a", "b"]);
    expect(sweeper.inFlight).toBe(0);
    vi.advanceTimersByTime(100);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("never fires for a request that ended in time, nor a listener that was removed", () => {
    vi.useFakeTimers();
    const sweeper = new DeadlineSweeper(1_000, () => new Error("late"), 100);
    const fired: string[] = [];
    const done = sweeper.begin();
    done.addEventListener("abort", () => fired.push("done"));
    sweeper.end(done);
    const removed = sweeper.begin();
    removed.addEventListener("abort", () => fired.push("removed"));
    removed.removeEventListener();
    vi.advanceTimersByTime(2_000);
    expect(fired).toEqual([]);
    expect(done.aborted).toBe(false);
    expect(removed.aborted).toBe(true);
  });
});

describe("parseRetryAfter", () => {
  const now = new Date("2024-10-22T18:20:00.000Z");

  it("reads delta-seconds as milliseconds", () => {
    expect(parseRetryAfter("120", now)).toBe(120_000);
    expect(parseRetryAfter("0", now)).toBe(0);
    expect(parseRetryAfter(" 7 ", now)).toBe(7_000);
  });

  it("reads an HTTP date as the time left until it", () => {
    expect(parseRetryAfter("Tue, 22 Oct 2024 18:20:30 GMT", now)).toBe(30_000);
    expect(parseRetryAfter("Tue, 22 Oct 2024 19:20:00 GMT", now)).toBe(3_600_000);
  });

  it("reads an HTTP date in the past as no wait", () => {
    expect(parseRetryAfter("Tue, 22 Oct 2024 18:00:00 GMT", now)).toBe(0);
  });

  it("ignores garbage and absent values", () => {
    expect(parseRetryAfter("soon", now)).toBeNull();
    expect(parseRetryAfter("1e3", now)).toBeNull();
    expect(parseRetryAfter("", now)).toBeNull();
    expect(parseRetryAfter(null, now)).toBeNull();
  });
});

describe("nextRetryDelay", () => {
  const opts = { baseMs: 1_000, maxMs: 60_000 };
  const lowest = () => 0;
  const highest = () => 1;

  it("doubles the ceiling with every attempt", () => {
    expect([1, 2, 3, 4, 5].map((a) => nextRetryDelay(a, null, opts, highest))).toEqual([1_000, 2_000, 4_000, 8_000, 16_000]);
  });

  it("never waits less than half the ceiling (equal jitter)", () => {
    expect([1, 2, 3, 4, 5].map((a) => nextRetryDelay(a, null, opts, lowest))).toEqual([500, 1_000, 2_000, 4_000, 8_000]);
  });

  it("stays between half the ceiling and the ceiling for any random draw", () => {
    for (let attempt = 1; attempt <= 8; attempt++) {
      const ceiling = Math.min(opts.maxMs, opts.baseMs * 2 ** (attempt - 1));
      for (const r of [0, 0.1, 0.25, 0.5, 0.75, 0.99, 1]) {
        const d = nextRetryDelay(attempt, null, opts, () => r);
        expect(d).toBeGreaterThanOrEqual(ceiling / 2);
        expect(d).toBeLessThanOrEqual(ceiling);
      }
    }
    expect(nextRetryDelay(3, null, opts, () => 0.5)).toBe(3_000);
  });

  it("caps the delay at the maximum, even after very many attempts", () => {
    expect(nextRetryDelay(7, null, opts, highest)).toBe(60_000);
    expect(nextRetryDelay(7, null, opts, lowest)).toBe(30_000);
    expect(nextRetryDelay(1_000, null, opts, highest)).toBe(60_000);
    expect(nextRetryDelay(1_000, null, opts, lowest)).toBe(30_000);
  });

  it("waits at least as long as Retry-After asks", () => {
    expect(nextRetryDelay(1, 5_000, opts, highest)).toBe(5_000);
    expect(nextRetryDelay(1, 5_000, opts, lowest)).toBe(5_000);
  });

  it("keeps its own longer delay when Retry-After is shorter", () => {
    expect(nextRetryDelay(5, 2_000, opts, highest)).toBe(16_000);
  });

  it("caps Retry-After at the maximum", () => {
    expect(nextRetryDelay(1, 3_600_000, opts, lowest)).toBe(60_000);
  });

  it("returns whole milliseconds", () => {
    expect(nextRetryDelay(1, null, { baseMs: 3, maxMs: 100 }, () => 0.5)).toBe(2);
    expect(Number.isInteger(nextRetryDelay(4, null, { baseMs: 7, maxMs: 1_000 }, () => 0.333))).toBe(true);
  });
});

describe("CursorWindow", () => {
  it("starts at the given cursor with nothing in flight", () => {
    const w = new CursorWindow(41n);
    expect(w.position).toBe(41n);
    expect(w.size).toBe(0);
  });

  it("moves only over the contiguous settled prefix when events settle out of order", () => {
    const w = new CursorWindow(0n);
    for (const seq of [1n, 2n, 3n, 4n, 5n]) w.take(seq);

    expect(w.settle(3n)).toBe(false);
    expect(w.position).toBe(0n);
    expect(w.settle(1n)).toBe(true);
    expect(w.position).toBe(1n);
    expect(w.settle(5n)).toBe(false);
    expect(w.position).toBe(1n);
    expect(w.settle(2n)).toBe(true);
    expect(w.position).toBe(3n);
    expect(w.size).toBe(2);
    expect(w.settle(4n)).toBe(true);
    expect(w.position).toBe(5n);
    expect(w.size).toBe(0);
  });

  it("follows sequence numbers with gaps (other organizations' events)", () => {
    const w = new CursorWindow(100n);
    for (const seq of [104n, 109n, 230n]) w.take(seq);
    w.settle(230n);
    w.settle(109n);
    expect(w.position).toBe(100n);
    w.settle(104n);
    expect(w.position).toBe(230n);
  });

  it("holds the cursor for 10,000 events settled in reverse until the first one settles", () => {
    const w = new CursorWindow(0n);
    for (let i = 1n; i <= 10_000n; i++) w.take(i);
    for (let i = 10_000n; i >= 2n; i--) expect(w.settle(i)).toBe(false);
    expect(w.position).toBe(0n);
    expect(w.size).toBe(10_000);
    expect(w.settle(1n)).toBe(true);
    expect(w.position).toBe(10_000n);
    expect(w.size).toBe(0);
  });

  it("keeps counting correctly across many settle-and-take rounds", () => {
    const w = new CursorWindow(0n);
    let next = 1n;
    const take = (n: number) => {
      const taken: bigint[] = [];
      for (let i = 0; i < n; i++) {
        w.take(next);
        taken.push(next++);
      }
      return taken;
    };
    const first = take(3_000);
    for (const seq of first.slice(0, 2_500)) w.settle(seq);
    expect(w.position).toBe(2_500n);
    expect(w.size).toBe(500);

    const second = take(2_000);
    // Settle the newer events first: the cursor must wait for the 500 older ones.
    for (const seq of second) w.settle(seq);
    expect(w.position).toBe(2_500n);
    expect(w.size).toBe(2_500);
    for (const seq of first.slice(2_500).reverse()) w.settle(seq);
    expect(w.position).toBe(5_000n);
    expect(w.size).toBe(0);

    const third = take(10);
    w.settle(third[1]!);
    w.settle(third[0]!);
    expect(w.position).toBe(5_002n);
    expect(w.size).toBe(8);
  });
});

describe("trimFraction", () => {
  it.each([
    ["2024-10-22T18:20:31.622000Z", "2024-10-22T18:20:31.622Z"],
    ["2024-10-22T18:20:31.622510Z", "2024-10-22T18:20:31.62251Z"],
    ["2024-10-22T18:20:31.622511Z", "2024-10-22T18:20:31.622511Z"],
    ["2024-10-22T18:20:31.000000Z", "2024-10-22T18:20:31.000Z"],
    ["2024-10-22T18:20:31.100000Z", "2024-10-22T18:20:31.100Z"],
    ["2024-10-22T18:20:31.622500Z", "2024-10-22T18:20:31.6225Z"],
  ])("writes %s as %s", (input, output) => {
    expect(trimFraction(input)).toBe(output);
  });
});

describe("Wakeup", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  const settledAfter = async (p: Promise<void>, ms: number) => {
    let done = false;
    void p.then(() => (done = true));
    await vi.advanceTimersByTimeAsync(ms);
    return done;
  };

  it("resolves a wait at once when woken before it", async () => {
    vi.useFakeTimers();
    const w = new Wakeup();
    w.wake();
    expect(await settledAfter(w.wait(60_000), 0)).toBe(true);
  });

  it("remembers a wake-up only once, however often it was woken", async () => {
    vi.useFakeTimers();
    const w = new Wakeup();
    w.wake();
    w.wake();
    expect(await settledAfter(w.wait(1_000), 0)).toBe(true);
    const second = w.wait(1_000);
    expect(await settledAfter(second, 999)).toBe(false);
    expect(await settledAfter(second, 1)).toBe(true);
  });

  it("times out when nobody wakes it", async () => {
    vi.useFakeTimers();
    const w = new Wakeup();
    const waiting = w.wait(250);
    expect(await settledAfter(waiting, 249)).toBe(false);
    expect(await settledAfter(waiting, 1)).toBe(true);
  });

  it("resolves a pending wait when woken, and does not carry that wake-up over", async () => {
    vi.useFakeTimers();
    const w = new Wakeup();
    const waiting = w.wait(60_000);
    expect(await settledAfter(waiting, 10)).toBe(false);
    w.wake();
    expect(await settledAfter(waiting, 0)).toBe(true);
    expect(await settledAfter(w.wait(500), 499)).toBe(false);
  });

  it("waits for a wake-up only, with no timer, when told to wait forever", async () => {
    vi.useFakeTimers();
    const w = new Wakeup();
    const waiting = w.wait(Number.POSITIVE_INFINITY);
    expect(vi.getTimerCount()).toBe(0);
    expect(await settledAfter(waiting, 24 * 3600_000)).toBe(false);
    w.wake();
    expect(await settledAfter(waiting, 0)).toBe(true);
  });

  it("times out for real without fake timers", async () => {
    const w = new Wakeup();
    const started = performance.now();
    await w.wait(30);
    expect(performance.now() - started).toBeGreaterThanOrEqual(25);
  });
});

