// Decides, from a connection's recent delivery attempts, whether its failure rate is abnormally
// high. Pure: it returns a verdict as data and the streamer acts on it.

export type AttemptSample = { at: number; ok: boolean; timeout: boolean };

export type HealthThresholds = {
  /** Rate rule: the window looked at, the fewest attempts worth judging, the failure share that trips it. */
  windowMs: number;
  minSample: number;
  maxFailureRate: number;
  /** Sustained-outage rule: failing without one success for this long, over at least this many attempts. */
  outageMs: number;
  outageMinAttempts: number;
};

export type WindowCounts = { attempts: number; failures: number; timeouts: number };

export type HealthState = {
  /** Attempts inside the window. */
  window: WindowCounts;
  /** When the current run of failures began (null after a success). */
  failingSince: number | null;
  /** Attempts since the last success. */
  failuresSinceSuccess: number;
};

export type HealthVerdict =
  | { disable: false }
  | {
      disable: true;
      rule: "FAILURE_RATE" | "SUSTAINED_OUTAGE";
      summary: string;
      numbers: { attempts: number; failures: number; timeouts: number; failureRate: number; windowMinutes: number; failingForMinutes: number };
    };

const minutes = (ms: number) => Math.round(ms / 60_000);
const plural = (n: number) => (n === 1 ? "1 minute" : `${n} minutes`);

export function evaluateHealth(state: HealthState, now: number, t: HealthThresholds): HealthVerdict {
  const { attempts, failures, timeouts } = state.window;
  const failureRate = attempts ? failures / attempts : 0;
  const failingFor = state.failingSince === null ? 0 : now - state.failingSince;
  const numbers = {
    attempts,
    failures,
    timeouts,
    failureRate: Math.round(failureRate * 1000) / 1000,
    windowMinutes: minutes(t.windowMs),
    failingForMinutes: minutes(failingFor),
  };

  if (attempts >= t.minSample && failureRate >= t.maxFailureRate) {
    return {
      disable: true,
      rule: "FAILURE_RATE",
      summary: `${Math.round(failureRate * 100)}% of ${attempts} deliveries failed in the last ${plural(numbers.windowMinutes)} (${
        failures - timeouts
      } error answers or network errors, ${timeouts} timeouts).`,
      numbers,
    };
  }
  if (state.failingSince !== null && failingFor >= t.outageMs && state.failuresSinceSuccess >= t.outageMinAttempts) {
    return {
      disable: true,
      rule: "SUSTAINED_OUTAGE",
      summary: `Every delivery failed for ${plural(numbers.failingForMinutes)} (${state.failuresSinceSuccess} attempts without a success).`,
      numbers,
    };
  }
  return { disable: false };
}

const BUCKETS = 60;

/**
 * Keeps what the policy needs of a connection's attempts in constant memory: counts in 60 time
 * buckets spanning the window (a busy connection makes millions of attempts in 15 minutes), and
 * the current run of failures.
 */
export class HealthTracker {
  private readonly bucketMs: number;
  private readonly buckets = Array.from({ length: BUCKETS }, () => ({ slot: -1, attempts: 0, failures: 0, timeouts: 0 }));
  private failingSince: number | null = null;
  private failuresSinceSuccess = 0;

  constructor(private readonly windowMs: number) {
    this.bucketMs = Math.max(1, Math.ceil(windowMs / BUCKETS));
  }

  record(sample: AttemptSample): void {
    const slot = Math.floor(sample.at / this.bucketMs);
    const b = this.buckets[slot % BUCKETS]!;
    if (b.slot !== slot) Object.assign(b, { slot, attempts: 0, failures: 0, timeouts: 0 });
    b.attempts++;
    if (sample.ok) {
      this.failingSince = null;
      this.failuresSinceSuccess = 0;
    } else {
      b.failures++;
      if (sample.timeout) b.timeouts++;
      this.failingSince ??= sample.at;
      this.failuresSinceSuccess++;
    }
  }

  state(now: number): HealthState {
    const current = Math.floor(now / this.bucketMs);
    const window = { attempts: 0, failures: 0, timeouts: 0 };
    for (const b of this.buckets) {
      if (b.slot > current - BUCKETS && b.slot <= current) {
        window.attempts += b.attempts;
        window.failures += b.failures;
        window.timeouts += b.timeouts;
      }
    }
    return { window, failingSince: this.failingSince, failuresSinceSuccess: this.failuresSinceSuccess };
  }
}
