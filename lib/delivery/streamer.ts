import type pg from "pg";
import type { Logger } from "pino";
import type { Config } from "../config";
import type { CursorWriter } from "../connections/cursor-writer";
import { type LoadedTarget, loadTarget, openSecrets } from "../connections/target";
import type { SecretBox } from "../crypto/secret-box";
import { readEventsAfter, type StoredEvent } from "../events/event-store";
import { type FailedAttempt, recordFailures, settleRetryingEvents } from "../failures/failure-store";
import type { AttemptVerdict } from "./attempt";
import { evaluateHealth, HealthTracker, type HealthVerdict } from "./auto-disable-policy";
import { AdaptiveBatchLimits, nextBatch } from "./batcher";
import { BatchSender, type Pending } from "./batch-sender";
import { CursorWindow } from "./cursor-window";
import { prepareTarget } from "./delivery-request";
import type { DeliverySettings } from "./delivery-settings";
import { eventFilterPredicate } from "./event-filter";
import { frameOverhead, isBatchFormat } from "./formats/wire-format";
import type { DeliveryHttpClient } from "./http-client";
import { intakeLimits } from "./intake-limits";
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

/** What a streamer starts from when its manager loaded it together with others. */
export type StreamerStart = {
  loaded: LoadedTarget;
  earlierAttempts: Map<bigint, number>;
  /** The organization's events after `after`, at most as many as were asked (`full`: maybe more). */
  firstRead?: { after: bigint; events: readonly StoredEvent[]; full: boolean };
};

/** The events of one request (one event in the EVENT format), and when it may go. */
type Batch = { items: Pending[]; dueAt: number };

/** What the streamer sends with: the destination prepared once, and how its events go out. */
type Sending = { sender: BatchSender; settings: DeliverySettings; limits: AdaptiveBatchLimits; passes: (eventType: string) => boolean };

// How long settled progress may sit in memory before the cursor is written (a crash redelivers at most this much).
const PERSIST_EVERY_MS = 25;
// With nothing due, a streamer waits for its in-memory wake-up only (a notification, the manager's
// fallback, a request or read finishing): no timer, nothing that touches the database.
const UNTIL_WOKEN = Number.POSITIVE_INFINITY;

/**
 * Streams one connection: reads the events after its cursor, drops those its event filter refuses,
 * delivers the rest in its format (one per POST, or batches bounded by count, bytes and linger) with
 * at most `maxInFlight` requests in flight, and moves the cursor over the contiguous settled prefix.
 * While a delivery is failing the stream waits (one probe at a time, with backoff), so an outage
 * does not burn through the backlog; nothing is skipped. A rejected batch is bisected.
 */
export class ConnectionStreamer {
  private sending: Sending | null = null;
  private window = new CursorWindow(0n);
  private fetchedUpTo = 0n;
  private persistedCursor = 0n;
  private queue: Pending[] = [];
  private retries: Batch[] = [];
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
    private readonly deps: StreamerDeps & { cursors: CursorWriter },
    readonly connectionId: string,
    readonly organizationId: string,
  ) {
    this.now = deps.now ?? Date.now;
    this.health = new HealthTracker(deps.delivery.health.windowMs);
  }

  /**
   * Starts streaming from what its manager loaded for many streamers at once: the connection, the
   * attempts an earlier streamer made, and optionally a first read of the organization's events
   * after some position at or below the cursor.
   */
  begin(start: StreamerStart): void {
    const { loaded } = start;
    this.useTarget(loaded);
    this.earlierAttempts = start.earlierAttempts;
    this.window = new CursorWindow(loaded.cursor);
    this.fetchedUpTo = loaded.cursor;
    this.persistedCursor = loaded.cursor;
    const first = start.firstRead;
    if (first && first.after <= loaded.cursor) {
      const events = first.events.filter((e) => e.seq > loaded.cursor);
      // A full read may have stopped before this cursor's news; otherwise it saw all there was then.
      this.take(events);
      this.maybeMore = first.full;
    }
    this.done = this.loop();
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
      if (loaded) this.useTarget(loaded);
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
    const sending = this.sending!;
    const limits = sending.limits.current(this.now());
    // Read ahead while the queue still has work, so requests never wait for the database; batches
    // keep at least one full batch queued.
    const readLimit = Math.max(delivery.batchSize, isBatchFormat(sending.settings.format) ? limits.maxEvents : 0);
    const readBelow = isBatchFormat(sending.settings.format) ? readLimit : delivery.batchSize / 2;
    if (!this.reading && this.maybeMore && this.queue.length < readBelow) {
      this.reading = this.readMore(pool, readLimit)
        .catch((err) => this.deps.logger.error({ err, connectionId: this.connectionId }, "reading events failed; retrying"))
        .finally(() => {
          this.reading = null;
          this.wakeup.wake();
        });
    }
    while (this.queue.length > 0 && this.inFlight < delivery.maxInFlight && this.retries.length === 0 && !this.stopped) {
      const now = this.now();
      const batch = nextBatch(sending.settings.format, this.queue, limits, { waitedMs: now - this.queue[0]!.readAt, flush: false });
      if (!batch) break;
      // Not full yet: linger until the first event has waited max_wait_ms (a read or a notification wakes us sooner).
      if ("waitMs" in batch) return batch.waitMs;
      this.dispatch({ items: this.queue.splice(0, batch.take), dueAt: 0 });
    }
    return UNTIL_WOKEN;
  }

  /** Prepares the destination and how its events go out; sizes of queued events follow a changed format. */
  private useTarget(loaded: LoadedTarget): void {
    const { delivery } = loaded;
    const intake = intakeLimits(loaded.target.url);
    const batch = intake ? { ...delivery.batch, maxEvents: Math.min(delivery.batch.maxEvents, intake.maxEvents) } : delivery.batch;
    const sender = new BatchSender(this.deps.http, prepareTarget(loaded.target), delivery, intake, {
      now: this.now,
      stopping: () => this.stopped,
      onAnswer: (verdict, at, events) => {
        // Per-event statistics and health: a batch's answer counts for each event it carried.
        this.deps.metrics.attempted(this.connectionId, { ok: verdict.outcome === "ok", latencyMs: verdict.latencyMs, events });
        this.health.record({ at, ok: verdict.outcome === "ok", timeout: verdict.errorKind === "timeout" });
        if (verdict.outcome !== "ok") this.checkHealth(at);
      },
    });
    const sameLimits = this.sending && JSON.stringify(this.sending.settings.batch) === JSON.stringify(batch);
    const limits = sameLimits ? this.sending!.limits : new AdaptiveBatchLimits(batch, intake?.maxRequestBytes ?? null);
    const formatChanged = this.sending?.settings.format !== delivery.format;
    this.sending = { sender, settings: { ...delivery, batch }, limits, passes: eventFilterPredicate(delivery.eventFilter) };
    if (formatChanged) for (const p of this.queue) p.size = this.sizeOf(p.stored);
  }

  private sizeOf(stored: StoredEvent): number {
    const format = this.sending!.settings.format;
    return isBatchFormat(format) ? Buffer.byteLength(stored.body) + frameOverhead(format, stored) : 0;
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
    this.take(events);
    if (events.length === limit || this.notifications !== seen) this.maybeMore = true;
  }

  /** Queues events read after `fetchedUpTo`, in order. */
  private take(events: readonly StoredEvent[]): void {
    const { passes } = this.sending!;
    const readAt = this.now();
    for (const e of events) {
      this.window.take(e.seq);
      // Filtered out: settled without a request, so the cursor moves over it.
      if (!passes(e.event.event_type)) this.settle(e.seq);
      else this.queue.push({ stored: e, attempt: this.firstAttemptNumber(e.seq), firstFailedAt: null, size: this.sizeOf(e), readAt });
    }
    if (events.length > 0) this.fetchedUpTo = events[events.length - 1]!.seq;
  }

  private dispatch(batch: Batch): void {
    this.inFlight++;
    this.deliver(batch)
      .catch((err) => {
        // Bookkeeping failed (database); try the events not settled yet again rather than lose them.
        this.deps.logger.error({ err, connectionId: this.connectionId }, "delivery bookkeeping failed");
        const items = batch.items.filter((i) => !this.window.isSettled(i.stored.seq));
        if (items.length > 0) this.retries.push({ items, dueAt: this.now() + 1_000 });
      })
      .finally(() => {
        this.inFlight--;
        this.wakeup.wake();
      });
  }

  private async deliver(batch: Batch): Promise<void> {
    const { sending } = this;
    const out = await sending!.sender.send(batch.items);
    if (out.delivered.length > 0) await this.delivered(out.delivered);
    for (const r of out.rejected) await this.rejected(r.items, r.verdict, r.attemptedAt);
    if (out.tooLarge) {
      // 413 to a batch: smaller batches for a while, and these events go again in them.
      sending!.limits.shrink(this.now());
      const limits = sending!.limits.current(this.now());
      this.deps.logger.warn(
        { connectionId: this.connectionId, maxEvents: limits.maxEvents, maxBytes: limits.maxBytes },
        "the destination answered 413 to a batch; halving the batch size for a while",
      );
      this.requeue([...out.tooLarge.items, ...out.tooLarge.rest]);
    }
    if (out.retry) await this.failed(out.retry.items, out.retry.rest, out.retry.verdict, out.retry.attemptedAt);
  }

  private async delivered(items: Pending[]): Promise<void> {
    const { pool, metrics } = this.deps;
    const later = items.filter((i) => i.attempt > 1).map((i) => i.stored.seq);
    if (later.length > 0) await settleRetryingEvents(pool, this.connectionId, later, "DELIVERED_LATER");
    const now = Date.now();
    for (const i of items) {
      metrics.delivered(this.connectionId, Math.max(0, now - i.stored.createdAt));
      this.settle(i.stored.seq);
    }
    // The destination is back: let the waiting retries go now.
    for (const r of this.retries) r.dueAt = 0;
  }

  private failure(i: Pending, verdict: AttemptVerdict, attemptedAt: number, outcome: FailedAttempt["outcome"]): FailedAttempt {
    return {
      organizationId: this.organizationId,
      connectionId: this.connectionId,
      eventSeq: i.stored.seq,
      eventId: i.stored.event.id,
      eventType: i.stored.event.event_type,
      attempt: i.attempt,
      attemptedAt: new Date(attemptedAt),
      statusCode: verdict.status,
      error: verdict.error,
      responseExcerpt: verdict.excerpt,
      latencyMs: verdict.latencyMs,
      outcome,
    };
  }

  /** Refused for good (alone, or isolated from a batch): listed as REJECTED, redeliverable, and the stream moves on. */
  private async rejected(items: Pending[], verdict: AttemptVerdict, attemptedAt: number): Promise<void> {
    const { pool, metrics } = this.deps;
    await recordFailures(pool, items.map((i) => this.failure(i, verdict, attemptedAt, "REJECTED")));
    for (const i of items) {
      metrics.failedAttempt(this.connectionId, false);
      metrics.rejected(this.connectionId);
      this.settle(i.stored.seq);
    }
  }

  /**
   * A retryable failure of the request that carried `items`: each is listed as one more failed
   * attempt, given up past the retry horizon, and otherwise retried (with `rest`, the events of the
   * batch not settled yet) as one batch after a backoff.
   */
  private async failed(items: Pending[], rest: Pending[], verdict: AttemptVerdict, attemptedAt: number): Promise<void> {
    const { pool, metrics, delivery } = this.deps;
    const giveUp = (i: Pending) => attemptedAt - (i.firstFailedAt ?? attemptedAt) >= delivery.retryHorizonMs;
    await recordFailures(pool, items.map((i) => this.failure(i, verdict, attemptedAt, giveUp(i) ? "GIVEN_UP" : "RETRYING")));
    const givenUp = items.filter(giveUp);
    if (givenUp.length > 0) {
      await settleRetryingEvents(pool, this.connectionId, givenUp.map((i) => i.stored.seq), "GIVEN_UP");
      this.deps.logger.warn({ connectionId: this.connectionId, events: givenUp.length }, "delivery given up after the retry horizon");
    }
    for (const i of items) metrics.failedAttempt(this.connectionId, !giveUp(i));
    for (const i of givenUp) {
      metrics.givenUp(this.connectionId);
      this.settle(i.stored.seq);
    }
    const retry = [...items.filter((i) => !giveUp(i)).map((i) => ({ ...i, attempt: i.attempt + 1, firstFailedAt: i.firstFailedAt ?? attemptedAt })), ...rest];
    if (retry.length === 0) return;
    retry.sort((a, b) => (a.stored.seq < b.stored.seq ? -1 : 1));
    const attempts = Math.max(...items.map((i) => i.attempt));
    const delay = nextRetryDelay(attempts, verdict.retryAfterMs, { baseMs: delivery.retryBaseDelayMs, maxMs: delivery.retryMaxDelayMs });
    this.retries.push({ items: retry, dueAt: attemptedAt + delay });
  }

  /** Puts events back at the front of the queue, in sequence order, to be batched again. */
  private requeue(items: Pending[]): void {
    const merged = [...items, ...this.queue];
    merged.sort((a, b) => (a.stored.seq < b.stored.seq ? -1 : a.stored.seq > b.stored.seq ? 1 : 0));
    this.queue = merged;
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
    if (this.window.settle(seq)) this.persistSoon(PERSIST_EVERY_MS);
  }

  /** Writes the cursor after `delayMs`; a failed write is tried again a second later while the streamer runs. */
  private persistSoon(delayMs: number): void {
    if (this.persistTimer) return;
    this.persistTimer = setTimeout(() => {
      this.persistTimer = null;
      this.persisting = this.persisting
        .then(() => this.persistCursor())
        .catch((err) => {
          this.deps.logger.error({ err, connectionId: this.connectionId }, "could not write the cursor; trying again in 1 s");
          if (!this.stopped) this.persistSoon(1_000);
        });
    }, delayMs);
  }

  private async persistCursor(): Promise<void> {
    const cursor = this.window.position;
    if (cursor <= this.persistedCursor) return;
    await this.deps.cursors.write(this.connectionId, cursor);
    this.persistedCursor = cursor;
  }
}
