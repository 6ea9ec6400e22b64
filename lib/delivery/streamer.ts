import type pg from "pg";
import type { Logger } from "pino";
import type { Config } from "../config";
import { redactSecrets } from "../crypto/redact-secrets";
import type { SecretBox } from "../crypto/secret-box";
import { apiKeyContext, hmacSecretContext } from "../crypto/secret-context";
import { evaluateHealth, HealthTracker, type HealthVerdict } from "./auto-disable-policy";
import { CursorWindow } from "./cursor-window";
import { attemptHeaders, type DeliveryTarget, type PreparedTarget, prepareTarget } from "./delivery-request";
import { describeResult } from "./describe-result";
import { readEventsAfter, type StoredEvent } from "./event-reader";
import { recordFailedAttempt, settleRetryingAttempts, takeOverRetryingAttempts } from "./failure-log";
import type { DeliveryHttpClient } from "./http-client";
import type { MetricsCollector } from "./metrics";
import { classifyResult, nextRetryDelay, parseRetryAfter } from "./retry-policy";
import { Wakeup } from "./wakeup";

export type StreamerDeps = {
  pool: pg.Pool;
  http: DeliveryHttpClient;
  box: SecretBox;
  delivery: Config["delivery"];
  metrics: MetricsCollector;
  logger: Logger;
  /** Milliseconds since the epoch; injectable for tests. */
  now?: () => number;
  /** Called once when the auto-disable policy says the failure rate is abnormally high. */
  onUnhealthy?: (connectionId: string, verdict: Extract<HealthVerdict, { disable: true }>) => Promise<void>;
};

type Attempt = { stored: StoredEvent; attempt: number; firstFailedAt: number | null; dueAt: number };

// How long settled progress may sit in memory before the cursor is written (a crash redelivers at most this much).
const PERSIST_EVERY_MS = 25;
const IDLE_POLL_MS = 1_000;
export const EXCERPT_CHARS = 1_000;

/** Loads a connection's destination with its secrets opened. */
export async function loadTarget(pool: pg.Pool, box: SecretBox, connectionId: string): Promise<{ target: DeliveryTarget; cursor: bigint } | null> {
  const { rows } = await pool.query<{ url: string; auth_type: string; cursor: string }>(
    "SELECT url, auth_type::text, cursor::text FROM connections WHERE id = $1",
    [connectionId],
  );
  const row = rows[0];
  if (!row) return null;
  let target: DeliveryTarget = { url: row.url, auth: { type: "NONE" } };
  if (row.auth_type === "API_KEY") {
    const keys = await pool.query<{ key: string; value_encrypted: string; add_to: "HEADER" | "QUERY"; position: number }>(
      "SELECT key, value_encrypted, add_to::text, position FROM connection_api_keys WHERE connection_id = $1 ORDER BY position",
      [connectionId],
    );
    const open = (k: (typeof keys.rows)[number]) => box.open(k.value_encrypted, apiKeyContext(connectionId, k.position));
    target = { url: row.url, auth: { type: "API_KEY", keys: keys.rows.map((k) => ({ key: k.key, value: open(k), addTo: k.add_to })) } };
  } else if (row.auth_type === "HMAC") {
    const secrets = await pool.query<{ id: string; secret_encrypted: string }>(
      "SELECT id, secret_encrypted FROM hmac_secrets WHERE connection_id = $1 ORDER BY created_at, id",
      [connectionId],
    );
    target = { url: row.url, auth: { type: "HMAC", secrets: secrets.rows.map((s) => box.open(s.secret_encrypted, hmacSecretContext(connectionId, s.id))) } };
  }
  return { target, cursor: BigInt(row.cursor) };
}

export function secretsOf(target: DeliveryTarget): string[] {
  if (target.auth.type === "API_KEY") return target.auth.keys.map((k) => k.value);
  if (target.auth.type === "HMAC") return [...target.auth.secrets];
  return [];
}

/**
 * Streams one connection: reads the events after its cursor, delivers each as one signed POST with
 * at most `maxInFlight` requests in flight, and moves the cursor over the contiguous settled prefix.
 * While a delivery is failing the stream waits (one probe at a time, with backoff), so an outage
 * does not burn through the backlog; nothing is skipped.
 */
export class ConnectionStreamer {
  private prepared: PreparedTarget | null = null;
  private secrets: string[] = [];
  private window = new CursorWindow(0n);
  private fetchedUpTo = 0n;
  private persistedCursor = 0n;
  private queue: StoredEvent[] = [];
  private retries: Attempt[] = [];
  private inFlight = 0;
  private stopped = false;
  private reloadRequested = false;
  /** New events may exist: a notification arrived, the last read was full, or the poll interval passed. */
  private maybeMore = true;
  private notifications = 0;
  private lastReadAt = 0;
  private reading: Promise<void> | null = null;
  private persistTimer: NodeJS.Timeout | null = null;
  private persisting: Promise<void> = Promise.resolve();
  private readonly wakeup = new Wakeup();
  private done: Promise<void> = Promise.resolve();
  private readonly now: () => number;
  private readonly health: HealthTracker;
  /** Set once the policy tripped: no new work until the manager stops this streamer. */
  private unhealthy = false;
  /** Attempts an earlier streamer already made on events it was retrying when it stopped. */
  private earlierAttempts = new Map<bigint, number>();

  constructor(
    private readonly deps: StreamerDeps,
    readonly connectionId: string,
    readonly organizationId: string,
  ) {
    this.now = deps.now ?? Date.now;
    this.health = new HealthTracker(deps.delivery.health.windowMs);
  }

  /** Loads the connection and starts streaming; false if it no longer exists. */
  async start(): Promise<boolean> {
    const loaded = await loadTarget(this.deps.pool, this.deps.box, this.connectionId);
    if (!loaded) return false;
    this.setTarget(loaded.target);
    this.earlierAttempts = await takeOverRetryingAttempts(this.deps.pool, this.connectionId, loaded.cursor);
    this.window = new CursorWindow(loaded.cursor);
    this.fetchedUpTo = loaded.cursor;
    this.persistedCursor = loaded.cursor;
    this.done = this.loop();
    return true;
  }

  /** New events may be there. */
  wake(): void {
    this.notifications++;
    this.maybeMore = true;
    this.wakeup.wake();
  }

  /** The connection's URL, authorization or secrets changed. */
  reload(): void {
    this.reloadRequested = true;
    this.wakeup.wake();
  }

  /** Stops taking new work, lets requests in flight finish, and writes the cursor. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wakeup.wake();
    await this.done;
  }

  get cursor(): bigint {
    return this.window.position;
  }

  private setTarget(target: DeliveryTarget) {
    this.prepared = prepareTarget(target);
    this.secrets = secretsOf(target);
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      try {
        const waitMs = await this.step();
        if (waitMs > 0 && !this.stopped) await this.wakeup.wait(waitMs);
      } catch (err) {
        this.deps.logger.error({ err, connectionId: this.connectionId }, "streamer step failed; retrying in 1 s");
        await this.wakeup.wait(1_000);
      }
    }
    while (this.inFlight > 0) await this.wakeup.wait(50);
    await this.reading;
    if (this.persistTimer) clearTimeout(this.persistTimer);
    await this.persisting;
    await this.persistCursor().catch((err) => this.deps.logger.error({ err, connectionId: this.connectionId }, "could not write the cursor"));
  }

  /** Dispatches what it can; returns how long to wait for something to change (0: go again now). */
  private async step(): Promise<number> {
    const { delivery, pool } = this.deps;
    if (this.unhealthy) return IDLE_POLL_MS;
    if (this.reloadRequested) {
      this.reloadRequested = false;
      const loaded = await loadTarget(pool, this.deps.box, this.connectionId);
      if (loaded) this.setTarget(loaded.target);
    }
    if (this.retries.length > 0) {
      // Failing: one probe at a time, earliest due first; new events wait.
      if (this.inFlight > 0) return IDLE_POLL_MS;
      this.retries.sort((a, b) => a.dueAt - b.dueAt);
      const next = this.retries[0]!;
      const wait = next.dueAt - this.now();
      if (wait > 0) return wait;
      this.retries.shift();
      this.dispatch(next);
      return IDLE_POLL_MS;
    }
    // Read ahead while the queue still has work, so requests never wait for the database.
    if (this.now() - this.lastReadAt >= IDLE_POLL_MS) this.maybeMore = true;
    if (!this.reading && this.maybeMore && this.queue.length < delivery.batchSize / 2) {
      this.reading = this.readMore(pool, delivery.batchSize)
        .catch((err) => this.deps.logger.error({ err, connectionId: this.connectionId }, "reading events failed; retrying"))
        .finally(() => {
          this.reading = null;
          this.wakeup.wake();
        });
    }
    while (this.queue.length > 0 && this.inFlight < delivery.maxInFlight && this.retries.length === 0 && !this.stopped) {
      const stored = this.queue.shift()!;
      this.dispatch({ stored, attempt: this.firstAttemptNumber(stored.seq), firstFailedAt: null, dueAt: 0 });
    }
    return IDLE_POLL_MS;
  }

  private firstAttemptNumber(seq: bigint): number {
    if (this.earlierAttempts.size === 0) return 1;
    const earlier = this.earlierAttempts.get(seq);
    if (earlier === undefined) return 1;
    this.earlierAttempts.delete(seq);
    return earlier + 1;
  }

  private async readMore(pool: pg.Pool, limit: number): Promise<void> {
    const seen = this.notifications;
    this.maybeMore = false;
    this.lastReadAt = this.now();
    let events: StoredEvent[];
    try {
      events = await readEventsAfter(pool, this.organizationId, this.fetchedUpTo, limit);
    } catch (err) {
      this.maybeMore = true;
      throw err;
    }
    for (const e of events) {
      this.queue.push(e);
      this.window.take(e.seq);
    }
    if (events.length > 0) this.fetchedUpTo = events[events.length - 1]!.seq;
    if (events.length === limit || this.notifications !== seen) this.maybeMore = true;
  }

  private dispatch(item: Attempt): void {
    this.inFlight++;
    this.deliver(item)
      .catch((err) => {
        // Bookkeeping failed (database); try the event again rather than lose it.
        this.deps.logger.error({ err, connectionId: this.connectionId }, "delivery bookkeeping failed");
        this.retries.push({ ...item, dueAt: this.now() + 1_000 });
      })
      .finally(() => {
        this.inFlight--;
        this.wakeup.wake();
      });
  }

  private async deliver(item: Attempt): Promise<void> {
    const { http, pool, metrics, delivery } = this.deps;
    const { stored } = item;
    const attemptedAt = this.now();
    const prepared = this.prepared!;
    const result = await http.post(prepared.url, attemptHeaders(prepared, stored.body, new Date(attemptedAt)), stored.body, { excerptOnSuccess: false });
    const verdict = classifyResult(result);
    this.health.record({ at: attemptedAt, ok: verdict === "delivered", timeout: result.error?.kind === "timeout" });
    if (verdict !== "delivered") this.checkHealth(attemptedAt);

    if (verdict === "delivered") {
      metrics.delivered(this.connectionId, Math.max(0, Date.now() - stored.createdAt));
      if (item.attempt > 1) await settleRetryingAttempts(pool, this.connectionId, stored.seq, "DELIVERED_LATER");
      // The destination is back: let the waiting retries go now.
      for (const r of this.retries) r.dueAt = 0;
      this.settle(stored.seq);
      return;
    }

    const failure = {
      organizationId: this.organizationId,
      connectionId: this.connectionId,
      eventSeq: stored.seq,
      eventId: stored.event.id,
      eventType: stored.event.event_type,
      attempt: item.attempt,
      attemptedAt: new Date(attemptedAt),
      statusCode: result.status,
      error: redactSecrets(describeResult(result), this.secrets),
      responseExcerpt: redactSecrets(result.responseExcerpt, this.secrets)?.slice(0, EXCERPT_CHARS) ?? null,
      latencyMs: result.latencyMs,
    };

    if (verdict === "reject") {
      await recordFailedAttempt(pool, { ...failure, outcome: "REJECTED" });
      metrics.failedAttempt(this.connectionId, false);
      metrics.rejected(this.connectionId);
      this.settle(stored.seq);
      return;
    }

    const firstFailedAt = item.firstFailedAt ?? attemptedAt;
    const giveUp = attemptedAt - firstFailedAt >= delivery.retryHorizonMs;
    await recordFailedAttempt(pool, { ...failure, outcome: giveUp ? "GIVEN_UP" : "RETRYING" });
    metrics.failedAttempt(this.connectionId, !giveUp);
    if (giveUp) {
      await settleRetryingAttempts(pool, this.connectionId, stored.seq, "GIVEN_UP");
      metrics.givenUp(this.connectionId);
      this.deps.logger.warn({ connectionId: this.connectionId, eventId: stored.event.id }, "delivery given up after the retry horizon");
      this.settle(stored.seq);
      return;
    }
    const delay = nextRetryDelay(item.attempt, parseRetryAfter(result.retryAfter, new Date(attemptedAt)), {
      baseMs: delivery.retryBaseDelayMs,
      maxMs: delivery.retryMaxDelayMs,
    });
    this.retries.push({ stored, attempt: item.attempt + 1, firstFailedAt, dueAt: attemptedAt + delay });
  }

  private checkHealth(now: number): void {
    if (this.unhealthy || !this.deps.onUnhealthy) return;
    const verdict = evaluateHealth(this.health.state(now), now, this.deps.delivery.health);
    if (!verdict.disable) return;
    this.unhealthy = true;
    this.deps.logger.warn({ connectionId: this.connectionId, rule: verdict.rule, numbers: verdict.numbers }, "auto-disabling connection");
    this.deps.onUnhealthy(this.connectionId, verdict).catch((err) => {
      this.deps.logger.error({ err, connectionId: this.connectionId }, "auto-disable failed; will evaluate again");
      this.unhealthy = false;
    });
  }

  private settle(seq: bigint): void {
    if (this.window.settle(seq) && !this.persistTimer) {
      this.persistTimer = setTimeout(() => {
        this.persistTimer = null;
        this.persisting = this.persisting
          .then(() => this.persistCursor())
          .catch((err) => this.deps.logger.error({ err, connectionId: this.connectionId }, "could not write the cursor"));
      }, PERSIST_EVERY_MS);
    }
  }

  private async persistCursor(): Promise<void> {
    const cursor = this.window.position;
    if (cursor <= this.persistedCursor) return;
    await this.deps.pool.query("UPDATE connections SET cursor = $2 WHERE id = $1 AND cursor < $2", [this.connectionId, cursor.toString()]);
    this.persistedCursor = cursor;
  }
}
