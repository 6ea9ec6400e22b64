// Per-principal request limits of the REST API, kept in this process's memory.
//
// Why memory and not PostgreSQL: a shared counter would add a write to a hot row on every API
// request (ingest alone may take thousands a second), while these limits exist to keep one
// runaway client from starving the others, not to meter usage exactly. With several web
// instances behind a load balancer each enforces the limit on its own, so a client spread over
// N instances can make up to N times the limit (documented in the README).
//
// A token bucket per key: `perMinute` requests may come at once, and they come back at
// perMinute/60 a second. Nothing runs on a timer; buckets are updated when used.

export type Take = { ok: true; remaining: number } | { ok: false; retryAfterSeconds: number };

export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    readonly perMinute: number,
    /** Most keys remembered; the least recently used is forgotten first (a full bucket is the same as none). */
    private readonly maxKeys = 100_000,
  ) {}

  take(key: string, now = Date.now()): Take {
    const perMs = this.perMinute / 60_000;
    const bucket = this.buckets.get(key);
    const tokens = bucket ? Math.min(this.perMinute, bucket.tokens + (now - bucket.at) * perMs) : this.perMinute;
    // Re-inserting keeps the map in least-recently-used order.
    this.buckets.delete(key);
    if (tokens < 1) {
      this.buckets.set(key, { tokens, at: now });
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - tokens) / perMs / 1000)) };
    }
    this.buckets.set(key, { tokens: tokens - 1, at: now });
    if (this.buckets.size > this.maxKeys) this.buckets.delete(this.buckets.keys().next().value!);
    return { ok: true, remaining: Math.floor(tokens - 1) };
  }

  get size(): number {
    return this.buckets.size;
  }
}

export type ApiLimits = { api: RateLimiter; ingest: RateLimiter };

const holder = globalThis as unknown as { __tributaryApiLimits?: ApiLimits };

/** This process's limiters (one set, however often Next.js re-evaluates the module). */
export function apiLimits(config: { rateLimits: { apiPerMinute: number; ingestPerMinute: number } }): ApiLimits {
  holder.__tributaryApiLimits ??= {
    api: new RateLimiter(config.rateLimits.apiPerMinute),
    ingest: new RateLimiter(config.rateLimits.ingestPerMinute),
  };
  return holder.__tributaryApiLimits;
}
