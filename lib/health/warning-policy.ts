// Decides whether the admins of a failing connection should be warned now (before any auto-disable).
// Pure, like the auto-disable policy: it returns a verdict as data and the caller acts on it.

export type WarningFacts = {
  enabled: boolean;
  /** The first failure after the last success; null while deliveries succeed. */
  failingSince: Date | null;
  /** Failed attempts since the last success. */
  failingAttempts: number;
  /** When this spell's warning was queued; null if not yet. */
  warnedAt: Date | null;
};

export type WarningThresholds = {
  /** Failing this long without a success (HEALTH_WARNING_MINUTES). */
  afterMs: number;
  /** …over at least this many attempts, so one rejected event followed by silence is not an outage. */
  minAttempts: number;
};

export type WarningVerdict = { warn: false } | { warn: true; failingForMinutes: number; failedAttempts: number };

export function evaluateWarning(f: WarningFacts, now: number, t: WarningThresholds): WarningVerdict {
  if (!f.enabled || !f.failingSince || f.warnedAt) return { warn: false };
  const failingFor = now - f.failingSince.getTime();
  if (failingFor < t.afterMs || f.failingAttempts < t.minAttempts) return { warn: false };
  return { warn: true, failingForMinutes: Math.floor(failingFor / 60_000), failedAttempts: f.failingAttempts };
}
