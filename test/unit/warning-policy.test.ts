import { describe, expect, it } from "vitest";
import { evaluateWarning, type WarningFacts, type WarningThresholds } from "../../lib/health/warning-policy";

const NOW = 1_800_000_000_000;
const T: WarningThresholds = { afterMs: 60 * 60_000, minAttempts: 5 };
const failing = (f: Partial<WarningFacts> = {}): WarningFacts => ({
  enabled: true,
  failingSince: new Date(NOW - T.afterMs),
  failingAttempts: 12,
  warnedAt: null,
  ...f,
});

describe("the failing-connection warning policy", () => {
  it("warns once the connection has failed for the configured time over enough attempts, with the numbers", () => {
    expect(evaluateWarning(failing(), NOW, T)).toEqual({ warn: true, failingForMinutes: 60, failedAttempts: 12 });
    expect(evaluateWarning(failing({ failingSince: new Date(NOW - 95 * 60_000) }), NOW, T)).toMatchObject({ warn: true, failingForMinutes: 95 });
  });

  it("does not warn before the time is up", () => {
    expect(evaluateWarning(failing({ failingSince: new Date(NOW - T.afterMs + 1) }), NOW, T)).toEqual({ warn: false });
  });

  it("does not warn for a single rejected event followed by silence", () => {
    expect(evaluateWarning(failing({ failingAttempts: 1 }), NOW, T)).toEqual({ warn: false });
    expect(evaluateWarning(failing({ failingAttempts: 4 }), NOW, T)).toEqual({ warn: false });
    expect(evaluateWarning(failing({ failingAttempts: 5 }), NOW, T).warn).toBe(true);
  });

  it("warns once per failing spell: not again after the warning went out", () => {
    expect(evaluateWarning(failing({ warnedAt: new Date(NOW - 1000), failingSince: new Date(NOW - 5 * 3600_000) }), NOW, T)).toEqual({ warn: false });
  });

  it("does not warn about a paused connection or one that is delivering", () => {
    expect(evaluateWarning(failing({ enabled: false }), NOW, T)).toEqual({ warn: false });
    expect(evaluateWarning(failing({ failingSince: null, failingAttempts: 0 }), NOW, T)).toEqual({ warn: false });
  });
});
