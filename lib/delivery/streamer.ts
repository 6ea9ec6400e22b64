import type pg from "pg";
import type { Logger } from "pino";
import type { Config } from "../config";
import { advanceCursor } from "../connections/stream-state";
import { loadTarget, openSecrets } from "../connections/target";
import type { SecretBox } from "../crypto/secret-box";
import { readEventsAfter, type StoredEvent } from "../events/event-store";
import { type FailedAttempt, recordFailures, settleRetrying, takeOverRetrying } from "../failures/failure-store";
import { attempt } from "./attempt";
import { evaluateHealth, HealthTracker, type HealthVerdict } from "./auto-disable-policy";
import { CursorWindow } from "./cursor-window";
import { jsonBody, type PreparedTarget, prepareTarget } from "./delivery-request";
import type { DeliveryHttpClient } from "./http-client";
import type { MetricsCollector } from "./metrics";
import { nextRetryDelay } from "./retry-policy";
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

/** An event to send, with the number of this attempt and, once it failed, when it first did. */
type Delivery = { stored: StoredEvent; attempt: number; firstFailedAt: number | null; dueAt: number };

// How long settled progress may sit in memory before the cursor is written (a crash redelivers at most this much).
const PERSIST_EVERY_MS = 25;
// With nothing due, a streamer waits for its in-memory wake-up only (a notification, the manager's
// fallback, a request or read finishing): no timer, nothing that touches the database.
const UNTIL_WOKEN = Number.POSITIVE_INFINITY;

/**
 * Streams one connection: reads the events after its cursor, delivers each as one signed POST with
 * at most `maxInFlight` requests in flight, and moves the cursor over the contiguous settled prefix.
 * While a delivery is failing the stream waits (one probe at a time, with backoff), so an outage
 * does not burn through the backlog; nothing is skipped.
 */
export class ConnectionStreamer {
  private prepared: PreparedTarget | null = null;
  private window = new CursorWindow(0n);
  private fetchedUpTo = 0n;
  private persistedCursor = 0n;
  private queue: StoredEvent[] = [];
  private retries: Delivery[] = [];
  private inFlight = 0;
  private stopped = false;
  private reloadRequested = false;
  /** New events may exist: a notification or the manager's fallback woke it, or the last read was full. */
  private maybeMore = true;
  private notifications = 0;
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
    const loaded = await loadTarget(this.deps.pool, this.organizationId, this.connectionId, openSecrets(this.deps.box));
    if (!loaded) return false;
    this.prepared = prepareTarget(loaded.target);
    this.earlierAttempts = await takeOverRetrying(this.deps.pool, this.connectionId, loaded.cursor);
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

  /** The last sequence read from the database: events after it are news to this streamer. */
  get readPosition(): bigint {
    return this.fetchedUpTo;
  }

  /** Nothing to send, retry, read or write: the manager may stop it until new events arrive. */
  get idle(): boolean {
    return (
      !this.maybeMore && !this.reading && !this.reloadRequested && !this.persistTimer && this.queue.length === 0 &&
      this.retries.length === 0 && this.inFlight === 0 && this.window.size === 0 && this.persistedCursor === this.window.position
    );
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
    if (this.unhealthy) return UNTIL_WOKEN;
    if (this.reloadRequested) {
      this.reloadRequested = false;
      const loaded = await loadTarget(pool, this.organizationId, this.connectionId, openSecrets(this.deps.box));
      if (loaded) this.prepared = prepareTarget(loaded.target);
    }
    if (this.retries.length > 0) {
      // Failing: one probe at a time, earliest due first; new events wait.
      if (this.inFlight > 0) return UNTIL_WOKEN;
      this.retries.sort((a, b) => a.dueAt - b.dueAt);
      const next = this.retries[0]!;
      const wait = next.dueAt - this.now();
      if (wait > 0) return wait;
      this.retries.shift();
      this.dispatch(next);
      return UNTIL_WOKEN;
    }
    // Read ahead while the queue still has work, so requests never wait for the database.
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
    return UNTIL_WOKEN;
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

  private dispatch(item: Delivery): void {
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

  private async deliver(item: Delivery): Promise<void> {
    const { http, pool, metrics, delivery } = this.deps;
    const { stored } = item;
    const attemptedAt = this.now();
    const verdict = await attempt(http, this.prepared!, jsonBody(stored.body), { at: new Date(attemptedAt) });
    metrics.attempted(this.connectionId, { ok: verdict.outcome === "ok", latencyMs: verdict.latencyMs });
    this.health.record({ at: attemptedAt, ok: verdict.outcome === "ok", timeout: verdict.errorKind === "timeout" });
    if (verdict.outcome !== "ok") this.checkHealth(attemptedAt);

    if (verdict.outcome === "ok") {
      metrics.delivered(this.connectionId, Math.max(0, Date.now() - stored.createdAt));
      if (item.attempt > 1) await settleRetrying(pool, this.connectionId, stored.seq, "DELIVERED_LATER");
      // The destination is back: let the waiting retries go now.
      for (const r of this.retries) r.dueAt = 0;
      this.settle(stored.seq);
      return;
    }

    const failure: Omit<FailedAttempt, "outcome"> = {
      organizationId: this.organizationId,
      connectionId: this.connectionId,
      eventSeq: stored.seq,
      eventId: stored.event.id,
      eventType: stored.event.event_type,
      attempt: item.attempt,
      attemptedAt: new Date(attemptedAt),
      statusCode: verdict.status,
      error: verdict.error,
      responseExcerpt: verdict.excerpt,
      latencyMs: verdict.latencyMs,
    };

    if (verdict.outcome === "reject") {
      await recordFailures(pool, [{ ...failure, outcome: "REJECTED" }]);
      metrics.failedAttempt(this.connectionId, false);
      metrics.rejected(this.connectionId);
      this.settle(stored.seq);
      return;
    }

    const firstFailedAt = item.firstFailedAt ?? attemptedAt;
    const giveUp = attemptedAt - firstFailedAt >= delivery.retryHorizonMs;
    await recordFailures(pool, [{ ...failure, outcome: giveUp ? "GIVEN_UP" : "RETRYING" }]);
    metrics.failedAttempt(this.connectionId, !giveUp);
    if (giveUp) {
      await settleRetrying(pool, this.connectionId, stored.seq, "GIVEN_UP");
      metrics.givenUp(this.connectionId);
      this.deps.logger.warn({ connectionId: this.connectionId, eventId: stored.event.id }, "delivery given up after the retry horizon");
      this.settle(stored.seq);
      return;
    }
    const delay = nextRetryDelay(item.attempt, verdict.retryAfterMs, { baseMs: delivery.retryBaseDelayMs, maxMs: delivery.retryMaxDelayMs });
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
    await advanceCursor(this.deps.pool, this.connectionId, cursor);
    this.persistedCursor = cursor;
  }
}
