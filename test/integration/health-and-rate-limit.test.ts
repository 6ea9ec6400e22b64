import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hitRateLimits, purgeExpiredRateLimits } from "../../lib/auth/rate-limit";
import { checkHealth, HEARTBEAT_STALE_MS } from "../../lib/health";
import { beat, forget } from "../../lib/worker-heartbeat";
import { createTestDatabase, type TestDatabase } from "../helpers/db";

let t: TestDatabase;
let pool: pg.Pool;
beforeAll(async () => {
  t = await createTestDatabase();
  pool = new pg.Pool({ connectionString: t.url, max: 2 });
});
afterAll(async () => {
  await pool.end();
  await t.drop();
});

describe("health", () => {
  it("is unhealthy without a worker heartbeat, healthy with a fresh one, unhealthy once it is stale", async () => {
    const now = new Date();
    expect(await checkHealth(t.db, now)).toMatchObject({ ok: false, checks: { migrations: "ok", worker: expect.stringMatching(/no worker/) } });
    await beat(pool, "w1", now, now);
    expect(await checkHealth(t.db, now)).toEqual({ ok: true, checks: { database: "ok", migrations: "ok", worker: "ok" } });
    expect((await checkHealth(t.db, new Date(now.getTime() + HEARTBEAT_STALE_MS + 1))).ok).toBe(false);
    await forget(pool, "w1");
    expect((await checkHealth(t.db, now)).ok).toBe(false);
  });
});

describe("login rate limit", () => {
  it("limits after the maximum within a window and resets in the next window", async () => {
    const now = new Date("2026-01-01T00:00:10Z");
    const rules = [{ key: "login:email:a@example.com", max: 3 }];
    for (let i = 0; i < 3; i++) expect((await hitRateLimits(t.db, rules, 60, now)).limited).toBe(false);
    const limited = await hitRateLimits(t.db, rules, 60, now);
    expect(limited).toEqual({ limited: true, retryAfterSeconds: 50 });
    expect((await hitRateLimits(t.db, rules, 60, new Date("2026-01-01T00:01:00Z"))).limited).toBe(false);
  });

  it("limits on any rule: a shared IP is limited even when each email is not", async () => {
    const now = new Date("2026-01-02T00:00:00Z");
    let last;
    for (let i = 0; i < 6; i++) {
      last = await hitRateLimits(t.db, [{ key: `login:email:${i}@x.com`, max: 3 }, { key: "login:ip:10.0.0.1", max: 5 }], 60, now);
    }
    expect(last?.limited).toBe(true);
  });

  it("purges counters of windows that ended", async () => {
    await hitRateLimits(t.db, [{ key: "old", max: 1 }], 60, new Date("2020-01-01T00:00:00Z"));
    await purgeExpiredRateLimits(pool, 60, new Date("2026-01-03T00:00:00Z"));
    expect(await t.db.rateLimitHit.count({ where: { key: "old" } })).toBe(0);
  });
});
