import { describe, expect, it } from "vitest";
import { loginKeys, loginThrottle, SLOWDOWN_MAX_MS, SLOWDOWN_STEP_MS } from "../../lib/auth/login-throttle";

const limits = { maxPerClient: 50, maxPerEmailAndClient: 10, slowAfterEmailFailures: 10 };

describe("loginThrottle", () => {
  it("lets attempts through at full speed within every limit", () => {
    expect(loginThrottle({ client: 50, emailAndClient: 10, emailFailures: 10 }, limits)).toEqual({ refuse: false, delayMs: 0 });
  });

  it("refuses a client over its own limit, or over the limit for one account", () => {
    expect(loginThrottle({ client: 51, emailAndClient: 1, emailFailures: 0 }, limits)).toEqual({ refuse: true });
    expect(loginThrottle({ client: 11, emailAndClient: 11, emailFailures: 11 }, limits)).toEqual({ refuse: true });
  });

  it("never refuses because of failures on the email from elsewhere: it slows them, up to a cap", () => {
    expect(loginThrottle({ client: 1, emailAndClient: 1, emailFailures: 11 }, limits)).toEqual({ refuse: false, delayMs: SLOWDOWN_STEP_MS });
    expect(loginThrottle({ client: 1, emailAndClient: 1, emailFailures: 14 }, limits)).toEqual({ refuse: false, delayMs: 4 * SLOWDOWN_STEP_MS });
    expect(loginThrottle({ client: 1, emailAndClient: 1, emailFailures: 100_000 }, limits)).toEqual({ refuse: false, delayMs: SLOWDOWN_MAX_MS });
  });

  it("keys a pair so that neither part can spill into the other", () => {
    const k = loginKeys("ada@example.com", "2001:db8::1");
    expect(new Set(Object.values(k)).size).toBe(3);
    expect(k.emailAndClient).toBe("login:pair:2001:db8::1 ada@example.com");
  });
});
