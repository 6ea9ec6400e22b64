import type { AttemptSample, WindowCounts } from "../../lib/delivery/auto-disable-policy";

/** Counts of the samples inside the window ending at `now`, exactly (what HealthTracker approximates in buckets). */
export function countWindow(samples: readonly AttemptSample[], now: number, windowMs: number): WindowCounts {
  const recent = samples.filter((s) => now - s.at <= windowMs);
  const failed = recent.filter((s) => !s.ok);
  return { attempts: recent.length, failures: failed.length, timeouts: failed.filter((s) => s.timeout).length };
}
