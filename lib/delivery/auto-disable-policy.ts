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

export type HealthState = {
  /** Attempts inside the window (older ones may be present; they are ignored). */
  samples: readonly AttemptSample[];
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

export function evaluateHealth(state: HealthState, now: number, t: HealthThresholds): HealthVerdict {
  const recent = state.samples.filter((s) => now - s.at <= t.windowMs);
  const failures = recent.filter((s) => !s.ok);
  const timeouts = failures.filter((s) => s.timeout).length;
  const failureRate = recent.length ? failures.length / recent.length : 0;
  const failingFor = state.failingSince === null ? 0 : now - state.failingSince;
  const numbers = {
    attempts: recent.length,
    failures: failures.length,
    timeouts,
    failureRate: Math.round(failureRate * 1000) / 1000,
    windowMinutes: minutes(t.windowMs),
    failingForMinutes: minutes(failingFor),
  };

  if (recent.length >= t.minSample && failureRate >= t.maxFailureRate) {
    return {
      disable: true,
      rule: "FAILURE_RATE",
      summary: `${Math.round(failureRate * 100)}% of ${recent.length} deliveries failed in the last ${numbers.windowMinutes} minutes (${
        failures.length - timeouts
      } error answers or network errors, ${timeouts} timeouts).`,
      numbers,
    };
  }
  if (state.failingSince !== null && failingFor >= t.outageMs && state.failuresSinceSuccess >= t.outageMinAttempts) {
    return {
      disable: true,
      rule: "SUSTAINED_OUTAGE",
      summary: `Every delivery failed for ${numbers.failingForMinutes} minutes (${state.failuresSinceSuccess} attempts without a success).`,
      numbers,
    };
  }
  return { disable: false };
}

/** Keeps the samples and the failure run a connection's streamer feeds the policy. */
export class HealthTracker {
  private samples: AttemptSample[] = [];
  private failingSince: number | null = null;
  private failuresSinceSuccess = 0;

  constructor(private readonly windowMs: number) {}

  record(sample: AttemptSample): void {
    this.samples.push(sample);
    if (sample.ok) {
      this.failingSince = null;
      this.failuresSinceSuccess = 0;
    } else {
      this.failingSince ??= sample.at;
      this.failuresSinceSuccess++;
    }
    // Drop what fell out of the window, in bulk rather than per sample.
    if (this.samples.length > 1024 && sample.at - this.samples[0]!.at > this.windowMs) {
      this.samples = this.samples.filter((s) => sample.at - s.at <= this.windowMs);
    }
  }

  state(): HealthState {
    return { samples: this.samples, failingSince: this.failingSince, failuresSinceSuccess: this.failuresSinceSuccess };
  }
}
