import { describe, expect, it } from "vitest";
import { type AttemptSample, evaluateHealth, HealthTracker, type HealthThresholds } from "../../lib/delivery/auto-disable-policy";
import { countWindow } from "../helpers/health-samples";

const T: HealthThresholds = { windowMs: 15 * 60_000, minSample: 50, maxFailureRate: 0.9, outageMs: 6 * 3600_000, outageMinAttempts: 5 };
const NOW = 1_800_000_000_000;
const samples = (n: number, failEvery: (i: number) => boolean, opts: { spacingMs?: number; timeout?: boolean } = {}): AttemptSample[] =>
  Array.from({ length: n }, (_, i) => ({ at: NOW - (n - i) * (opts.spacingMs ?? 1000), ok: !failEvery(i), timeout: Boolean(opts.timeout) && failEvery(i) }));

describe("the auto-disable policy", () => {
  it("does not judge fewer attempts than the minimum sample, however bad", () => {
    expect(evaluateHealth({ window: countWindow(samples(49, () => true), NOW, T.windowMs), failingSince: NOW - 49_000, failuresSinceSuccess: 49 }, NOW, T)).toEqual({ disable: false });
  });

  it("disables at the minimum sample when the failure rate reaches the threshold", () => {
    const s = samples(50, (i) => i >= 5); // 45 of 50 fail: 90%
    const v = evaluateHealth({ window: countWindow(s, NOW, T.windowMs), failingSince: NOW - 45_000, failuresSinceSuccess: 45 }, NOW, T);
    expect(v).toMatchObject({ disable: true, rule: "FAILURE_RATE", numbers: { attempts: 50, failures: 45, failureRate: 0.9, windowMinutes: 15 } });
    if (v.disable) expect(v.summary).toBe("90% of 50 deliveries failed in the last 15 minutes (45 error answers or network errors, 0 timeouts).");
  });

  it("keeps a connection just under the rate threshold", () => {
    const s = samples(50, (i) => i >= 6); // 44 of 50: 88%
    expect(evaluateHealth({ window: countWindow(s, NOW, T.windowMs), failingSince: NOW - 44_000, failuresSinceSuccess: 44 }, NOW, T).disable).toBe(false);
  });

  it("counts timeouts among failures and reports them", () => {
    const v = evaluateHealth({ window: countWindow(samples(60, () => true, { timeout: true }), NOW, T.windowMs), failingSince: NOW - 60_000, failuresSinceSuccess: 60 }, NOW, T);
    expect(v).toMatchObject({ disable: true, numbers: { timeouts: 60 } });
  });

  it("ignores attempts older than the window", () => {
    const old = samples(100, () => true, { spacingMs: 60_000 }).map((s) => ({ ...s, at: s.at - 16 * 60_000 }));
    expect(evaluateHealth({ window: countWindow(old, NOW, T.windowMs), failingSince: NOW - 3600_000, failuresSinceSuccess: 100 }, NOW, T).disable).toBe(false);
  });

  it("disables after a sustained outage even when backoff keeps the sample small", () => {
    const few = samples(3, () => true, { spacingMs: 5 * 60_000 });
    const state = { window: countWindow(few, NOW, T.windowMs), failingSince: NOW - 6 * 3600_000, failuresSinceSuccess: 80 };
    expect(evaluateHealth(state, NOW, T)).toMatchObject({ disable: true, rule: "SUSTAINED_OUTAGE", numbers: { failingForMinutes: 360 } });
    expect(evaluateHealth({ ...state, failingSince: NOW - 6 * 3600_000 + 60_000 }, NOW, T).disable).toBe(false);
    expect(evaluateHealth({ ...state, failuresSinceSuccess: 4 }, NOW, T).disable).toBe(false);
  });

  it("a success ends the failure run", () => {
    const tracker = new HealthTracker(T.windowMs);
    for (let i = 0; i < 10; i++) tracker.record({ at: NOW - 7 * 3600_000 + i, ok: false, timeout: false });
    expect(tracker.state(NOW)).toMatchObject({ failingSince: NOW - 7 * 3600_000, failuresSinceSuccess: 10 });
    tracker.record({ at: NOW - 1000, ok: true, timeout: false });
    expect(tracker.state(NOW)).toMatchObject({ failingSince: null, failuresSinceSuccess: 0 });
    expect(evaluateHealth(tracker.state(NOW), NOW, T).disable).toBe(false);
  });

  it("the tracker counts the window in constant memory and forgets what left it", () => {
    const tracker = new HealthTracker(60_000);
    for (let i = 0; i < 3000; i++) tracker.record({ at: NOW + i * 100, ok: i % 2 === 0, timeout: i % 4 === 1 });
    const end = NOW + 2999 * 100;
    const { window } = tracker.state(end);
    // 60 one-second buckets: the last 60 s of 100 ms attempts, give or take the bucket being filled.
    expect(window.attempts).toBeGreaterThanOrEqual(590);
    expect(window.attempts).toBeLessThanOrEqual(600);
    expect(window.failures).toBe(Math.floor(window.attempts / 2));
    expect(tracker.state(end + 120_000).window).toEqual({ attempts: 0, failures: 0, timeouts: 0 });
  });

  it("the tracker's counts agree with counting the samples", () => {
    const tracker = new HealthTracker(T.windowMs);
    const s = samples(500, (i) => i % 3 === 0, { spacingMs: 1_000, timeout: true });
    for (const x of s) tracker.record(x);
    const exact = countWindow(s, NOW, T.windowMs);
    expect(tracker.state(NOW).window.failures).toBeGreaterThanOrEqual(exact.failures - 10);
    expect(tracker.state(NOW).window.attempts).toBe(exact.attempts);
  });
});
