import { describe, expect, it } from "vitest";
import { RateLimiter } from "../../lib/api/rate-limiter";

describe("RateLimiter", () => {
  it("allows a burst of the minute's budget, then refuses with the seconds until the next request", () => {
    const limiter = new RateLimiter(6);
    const t0 = 1_000_000;
    for (let i = 0; i < 6; i++) expect(limiter.take("token:a", t0).ok).toBe(true);
    expect(limiter.take("token:a", t0)).toEqual({ ok: false, retryAfterSeconds: 10 });
    // 6 a minute → one back every 10 s.
    expect(limiter.take("token:a", t0 + 9_000)).toEqual({ ok: false, retryAfterSeconds: 1 });
    expect(limiter.take("token:a", t0 + 10_000)).toMatchObject({ ok: true });
    expect(limiter.take("token:a", t0 + 10_000).ok).toBe(false);
  });

  it("keeps a bucket per key", () => {
    const limiter = new RateLimiter(1);
    expect(limiter.take("token:a", 0).ok).toBe(true);
    expect(limiter.take("token:a", 0).ok).toBe(false);
    expect(limiter.take("token:b", 0).ok).toBe(true);
  });

  it("refills to the budget and no further", () => {
    const limiter = new RateLimiter(2);
    limiter.take("k", 0);
    limiter.take("k", 0);
    expect(limiter.take("k", 3_600_000)).toEqual({ ok: true, remaining: 1 });
  });

  it("remembers at most maxKeys keys, forgetting the least recently used", () => {
    const limiter = new RateLimiter(1, 2);
    limiter.take("a", 0);
    limiter.take("b", 0);
    limiter.take("a", 0);
    limiter.take("c", 0);
    expect(limiter.size).toBe(2);
    expect(limiter.take("a", 0).ok).toBe(false);
    expect(limiter.take("b", 0).ok).toBe(true);
  });
});
