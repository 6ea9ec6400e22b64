import { describe, expect, it } from "vitest";
import { HEALTH_TIMING, type HealthFacts, healthState } from "../../lib/health/health-state";

const NOW = 1_800_000_000_000;
const ago = (ms: number) => new Date(NOW - ms);
const facts = (f: Partial<HealthFacts>): HealthFacts => ({ enabled: true, lastSuccessAt: null, lastFailureAt: null, failingSince: null, ...f });

describe("the health state", () => {
  it("is PAUSED whenever the connection is disabled, failing or not", () => {
    expect(healthState(facts({ enabled: false }), NOW)).toBe("PAUSED");
    expect(healthState(facts({ enabled: false, failingSince: ago(3600_000), lastFailureAt: ago(1000) }), NOW)).toBe("PAUSED");
  });

  it("is HEALTHY when the last attempt succeeded recently", () => {
    expect(healthState(facts({ lastSuccessAt: ago(2_000), lastFailureAt: ago(60_000) }), NOW)).toBe("HEALTHY");
  });

  it("turns FAILING once no delivery succeeded for the grace period since the first failure", () => {
    const f = facts({ lastSuccessAt: ago(60_000), lastFailureAt: ago(100), failingSince: ago(HEALTH_TIMING.failingAfterMs) });
    expect(healthState(f, NOW)).toBe("FAILING");
    // A failure a moment ago on a busy connection is not yet a failing spell (the next success clears it).
    expect(healthState({ ...f, failingSince: ago(HEALTH_TIMING.failingAfterMs - 1) }, NOW)).toBe("HEALTHY");
  });

  it("stays FAILING while a backed-off destination is probed rarely, even past the idle period", () => {
    const f = facts({ lastSuccessAt: ago(2 * 3600_000), lastFailureAt: ago(HEALTH_TIMING.idleAfterMs + 60_000), failingSince: ago(2 * 3600_000 - 1000) });
    expect(healthState(f, NOW)).toBe("FAILING");
  });

  it("is IDLE when nothing was attempted for the idle period, or ever", () => {
    expect(healthState(facts({}), NOW)).toBe("IDLE");
    expect(healthState(facts({ lastSuccessAt: ago(HEALTH_TIMING.idleAfterMs) }), NOW)).toBe("IDLE");
    expect(healthState(facts({ lastSuccessAt: ago(HEALTH_TIMING.idleAfterMs - 1) }), NOW)).toBe("HEALTHY");
  });

  it("recovers to HEALTHY when a success ends the spell", () => {
    const failing = facts({ lastSuccessAt: ago(600_000), lastFailureAt: ago(3_000), failingSince: ago(500_000) });
    expect(healthState(failing, NOW)).toBe("FAILING");
    expect(healthState({ ...failing, lastSuccessAt: ago(1_000), failingSince: null }, NOW)).toBe("HEALTHY");
  });
});
