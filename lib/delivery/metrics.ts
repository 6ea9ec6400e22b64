import type pg from "pg";

// Latency from an event's commit to the destination's 2xx, in milliseconds.
export const LATENCY_BUCKETS_MS = [5, 10, 20, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000] as const;

type Counters = {
  delivered: number;
  failedAttempts: number;
  retries: number;
  givenUp: number;
  rejected: number;
  redelivered: number;
  redeliveryFailed: number;
  buckets: number[];
  sumMs: number;
};

const empty = (): Counters => ({
  delivered: 0,
  failedAttempts: 0,
  retries: 0,
  givenUp: 0,
  rejected: 0,
  redelivered: 0,
  redeliveryFailed: 0,
  buckets: new Array(LATENCY_BUCKETS_MS.length + 1).fill(0),
  sumMs: 0,
});

/** In-memory deltas per connection, added to connection_metrics about once a second. */
export class MetricsCollector {
  private deltas = new Map<string, Counters>();

  private of(connectionId: string): Counters {
    let c = this.deltas.get(connectionId);
    if (!c) this.deltas.set(connectionId, (c = empty()));
    return c;
  }

  delivered(connectionId: string, latencyMs: number): void {
    const c = this.of(connectionId);
    c.delivered++;
    c.sumMs += latencyMs;
    let i = LATENCY_BUCKETS_MS.findIndex((b) => latencyMs <= b);
    if (i === -1) i = LATENCY_BUCKETS_MS.length;
    c.buckets[i]!++;
  }

  failedAttempt(connectionId: string, willRetry: boolean): void {
    const c = this.of(connectionId);
    c.failedAttempts++;
    if (willRetry) c.retries++;
  }

  givenUp(connectionId: string): void {
    this.of(connectionId).givenUp++;
  }

  rejected(connectionId: string): void {
    this.of(connectionId).rejected++;
  }

  /** An event sent again by a redelivery: answered 2xx, or not. */
  redelivery(connectionId: string, ok: boolean): void {
    const c = this.of(connectionId);
    if (ok) c.redelivered++;
    else c.redeliveryFailed++;
  }

  async flush(pool: pg.Pool): Promise<void> {
    if (this.deltas.size === 0) return;
    const batch = this.deltas;
    this.deltas = new Map();
    const rows = [...batch].map(([id, c]) => ({
      connection_id: id,
      delivered: c.delivered,
      failed_attempts: c.failedAttempts,
      retries: c.retries,
      given_up: c.givenUp,
      rejected: c.rejected,
      redelivered: c.redelivered,
      redelivery_failed: c.redeliveryFailed,
      buckets: c.buckets,
      sum_ms: c.sumMs,
    }));
    try {
      await pool.query(
        `INSERT INTO connection_metrics AS m (connection_id, delivered, failed_attempts, retries, given_up, rejected, redelivered,
                                              redelivery_failed, latency_buckets, latency_sum_ms)
         SELECT x.connection_id, x.delivered, x.failed_attempts, x.retries, x.given_up, x.rejected, x.redelivered, x.redelivery_failed,
                ARRAY(SELECT jsonb_array_elements_text(x.buckets)::bigint), x.sum_ms
         FROM jsonb_to_recordset($1::jsonb) AS x(connection_id uuid, delivered bigint, failed_attempts bigint, retries bigint,
              given_up bigint, rejected bigint, redelivered bigint, redelivery_failed bigint, buckets jsonb, sum_ms float8)
         WHERE EXISTS (SELECT 1 FROM connections c WHERE c.id = x.connection_id)
         ON CONFLICT (connection_id) DO UPDATE SET
           delivered = m.delivered + excluded.delivered,
           failed_attempts = m.failed_attempts + excluded.failed_attempts,
           retries = m.retries + excluded.retries,
           given_up = m.given_up + excluded.given_up,
           rejected = m.rejected + excluded.rejected,
           redelivered = m.redelivered + excluded.redelivered,
           redelivery_failed = m.redelivery_failed + excluded.redelivery_failed,
           latency_buckets = ARRAY(SELECT coalesce(a, 0) + coalesce(b, 0)
                                   FROM unnest(m.latency_buckets, excluded.latency_buckets) AS t(a, b)),
           latency_sum_ms = m.latency_sum_ms + excluded.latency_sum_ms,
           updated_at = now()`,
        [JSON.stringify(rows)],
      );
    } catch (err) {
      // Put the deltas back so a failed flush loses nothing.
      for (const [id, c] of batch) {
        const into = this.of(id);
        into.delivered += c.delivered;
        into.failedAttempts += c.failedAttempts;
        into.retries += c.retries;
        into.givenUp += c.givenUp;
        into.rejected += c.rejected;
        into.redelivered += c.redelivered;
        into.redeliveryFailed += c.redeliveryFailed;
        into.sumMs += c.sumMs;
        c.buckets.forEach((v, i) => (into.buckets[i]! += v));
      }
      throw err;
    }
  }
}
