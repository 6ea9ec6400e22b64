import type pg from "pg";
import { lockLiveConnections } from "../connections/stream-state";
import { withTransaction } from "../db/pool";
import { type HealthDelta, type HealthRow, mergeHealth } from "../health/health-store";
import { addHistogram, bucketOf, emptyHistogram } from "../health/latency-histogram";
import { addMinuteStats, type MinuteStats } from "../health/stats-store";

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

/** What one attempt did, for the per-minute statistics and the connection's health. */
export type AttemptRecord = {
  ok: boolean;
  /** The request's latency (sent → answer or error). */
  latencyMs: number;
  /** Events the request carried (1 unless the body was a batch). */
  events?: number;
  /** When the answer came (ms since the epoch); now by default. */
  at?: number;
};

type Pending = { counters: Map<string, Counters>; minutes: Map<string, MinuteStats>; health: Map<string, HealthDelta> };

/**
 * In-memory deltas per connection, written about once a second in one transaction: the counters
 * of connection_metrics (Prometheus), the per-minute statistics of the health charts, and each
 * connection's last success, last failure and failing spell. `stats: false` skips the last two
 * (the benchmark measures what they cost).
 */
export class MetricsCollector {
  private deltas = new Map<string, Counters>();
  private minutes = new Map<string, MinuteStats>();
  private health = new Map<string, HealthDelta>();
  private readonly stats: boolean;

  constructor(options: { stats?: boolean } = {}) {
    this.stats = options.stats ?? true;
  }

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

  /** An attempt of the stream, a redelivery or any other sender, as it was answered. */
  attempted(connectionId: string, a: AttemptRecord): void {
    if (!this.stats) return;
    const at = a.at ?? Date.now();
    const minute = at - (at % 60_000);
    const key = `${connectionId}|${minute}`;
    let m = this.minutes.get(key);
    if (!m) this.minutes.set(key, (m = { connectionId, minute, delivered: 0, failed: 0, latency: emptyHistogram() }));
    if (a.ok) m.delivered += a.events ?? 1;
    else m.failed += a.events ?? 1;
    m.latency[bucketOf(a.latencyMs)]!++;

    let h = this.health.get(connectionId);
    if (!h) this.health.set(connectionId, (h = { connectionId, lastSuccessAt: null, lastFailureAt: null, failingSince: null, failingAttempts: 0 }));
    if (a.ok) {
      h.lastSuccessAt = Math.max(h.lastSuccessAt ?? at, at);
      h.failingSince = null;
      h.failingAttempts = 0;
    } else {
      h.lastFailureAt = Math.max(h.lastFailureAt ?? at, at);
      h.failingSince ??= at;
      h.failingAttempts++;
    }
  }

  /**
   * Writes what was collected since the last flush, all or nothing (a failed flush keeps it for the
   * next). Returns the merged health of every connection that had attempts, for the warning check.
   */
  async flush(pool: pg.Pool): Promise<HealthRow[]> {
    if (this.deltas.size === 0 && this.minutes.size === 0 && this.health.size === 0) return [];
    const pending: Pending = { counters: this.deltas, minutes: this.minutes, health: this.health };
    this.deltas = new Map();
    this.minutes = new Map();
    this.health = new Map();
    try {
      return await withTransaction(pool, async (client) => {
        // The connections still there stay there until this commits; the statements below skip the others.
        await lockLiveConnections(client, [...new Set([...pending.counters.keys(), ...[...pending.minutes.values()].map((m) => m.connectionId), ...pending.health.keys()])]);
        await writeCounters(client, pending.counters);
        await addMinuteStats(client, [...pending.minutes.values()]);
        return mergeHealth(client, [...pending.health.values()]);
      });
    } catch (err) {
      this.restore(pending);
      throw err;
    }
  }

  /** Puts a failed flush's deltas back so nothing is lost. */
  private restore(p: Pending): void {
    for (const [id, c] of p.counters) {
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
    for (const [key, m] of p.minutes) {
      const into = this.minutes.get(key);
      if (!into) this.minutes.set(key, m);
      else {
        into.delivered += m.delivered;
        into.failed += m.failed;
        addHistogram(into.latency, m.latency);
      }
    }
    for (const [id, older] of p.health) {
      const newer = this.health.get(id);
      if (!newer) {
        this.health.set(id, older);
        continue;
      }
      // The newer delta's success ends the older one's spell; otherwise the spell began in the older one.
      newer.lastSuccessAt = newer.lastSuccessAt ?? older.lastSuccessAt;
      newer.lastFailureAt = newer.lastFailureAt ?? older.lastFailureAt;
      if (newer.lastSuccessAt === older.lastSuccessAt && older.failingSince !== null) {
        newer.failingSince = older.failingSince;
        newer.failingAttempts += older.failingAttempts;
      }
    }
  }
}

async function writeCounters(db: Pick<pg.ClientBase, "query">, batch: Map<string, Counters>): Promise<void> {
  if (batch.size === 0) return;
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
  await db.query(
    `INSERT INTO connection_metrics AS m (connection_id, delivered, failed_attempts, retries, given_up, rejected, redelivered,
                                          redelivery_failed, latency_buckets, latency_sum_ms)
     SELECT x.connection_id, x.delivered, x.failed_attempts, x.retries, x.given_up, x.rejected, x.redelivered, x.redelivery_failed,
            ARRAY(SELECT jsonb_array_elements_text(x.buckets)::bigint), x.sum_ms
     FROM jsonb_to_recordset($1::jsonb) AS x(connection_id uuid, delivered bigint, failed_attempts bigint, retries bigint,
          given_up bigint, rejected bigint, redelivered bigint, redelivery_failed bigint, buckets jsonb, sum_ms float8)
     WHERE EXISTS (SELECT 1 FROM connections c WHERE c.id = x.connection_id)
     ORDER BY x.connection_id
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
}
