// A connection's health as admins see it, decided from facts the worker keeps up to date. Pure: the
// web app, the REST API and the emails call it with the same facts and get the same answer.

export type HealthStateName = "HEALTHY" | "FAILING" | "PAUSED" | "IDLE";

export type HealthFacts = {
  enabled: boolean;
  lastSuccessAt: Date | null;
  lastFailureAt: Date | null;
  /** The first failure after the last success; null while deliveries succeed. */
  failingSince: Date | null;
};

export type HealthTiming = {
  /**
   * A failing spell this young is not shown yet: on a busy connection an occasional rejected event
   * is followed by a success within the second, and the badge should not flicker.
   */
  failingAfterMs: number;
  /** No attempt for this long (and not failing) is "idle". */
  idleAfterMs: number;
};

export const HEALTH_TIMING: HealthTiming = { failingAfterMs: 5_000, idleAfterMs: 15 * 60_000 };

export function healthState(f: HealthFacts, now: number, t: HealthTiming = HEALTH_TIMING): HealthStateName {
  if (!f.enabled) return "PAUSED";
  if (f.failingSince && now - f.failingSince.getTime() >= t.failingAfterMs) return "FAILING";
  const last = Math.max(f.lastSuccessAt?.getTime() ?? -Infinity, f.lastFailureAt?.getTime() ?? -Infinity);
  if (now - last >= t.idleAfterMs) return "IDLE";
  return "HEALTHY";
}
