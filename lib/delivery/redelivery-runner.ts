import type pg from "pg";
import type { Logger } from "pino";
import { enabledAmong } from "../connections/stream-state";
import { loadTarget, openSecrets } from "../connections/target";
import type { SecretBox } from "../crypto/secret-box";
import { withTransaction } from "../db/pool";
import { readEventsBySeq, type StoredEvent } from "../events/event-store";
import { markRedelivered, recordFailures } from "../failures/failure-store";
import {
  addCounts,
  completeIfDone,
  FIRST_ITEM,
  type Item,
  type ItemResult,
  pendingItems,
  settleItems,
  startRun,
  statusOf,
  unfinishedRedeliveries,
} from "../failures/redelivery-store";
import type { JobSender } from "../jobs/boss";
import { redeliveryJob } from "../jobs/definitions/redelivery";
import { sendJob } from "../jobs/job";
import { attempt } from "./attempt";
import { jsonBody, type PreparedTarget, prepareTarget } from "./delivery-request";
import { DestinationGate } from "./destination-gate";
import type { DeliveryHttpClient } from "./http-client";
import type { MetricsCollector } from "./metrics";
import { ResultBuffer } from "./result-buffer";

export type RedeliveryRunnerDeps = {
  pool: pg.Pool;
  http: DeliveryHttpClient;
  box: SecretBox;
  logger: Logger;
  /** Counts redelivered and failed events per connection for /api/metrics. */
  metrics?: MetricsCollector;
  /** A run hands over to a fresh job after this long, so no job outlives pg-boss's expiry. */
  budgetMs?: number;
  /** After this many failures in a row to one destination, its remaining events are not tried in this run. */
  maxConsecutiveFailures?: number;
  /** True once the worker is shutting down: the run stops after the request in flight. */
  stopping?: () => boolean;
  /** Events read per query (100). */
  chunkSize?: number;
  /** Requests in flight at once (8); once a destination fails, it gets one at a time until it succeeds. */
  concurrency?: number;
};

/** `continue`: events are left and the caller queues the next run; `busy`: another run holds this redelivery. */
export type RunOutcome = "completed" | "continue" | "cancelled" | "busy" | "gone";

type Result = ItemResult & {
  /** Set when a request was made and failed: recorded as one more failed attempt. */
  failedAttempt?: { event: StoredEvent; excerpt: string | null; latencyMs: number; outcome: "GIVEN_UP" | "REJECTED" };
};

/** What one chunk of items needs besides the targets: which connections are enabled now, and the events. */
type Chunk = { enabled: Set<string>; events: Map<bigint, StoredEvent> };

// Session-lock class: one run per redelivery across every worker (the lock dies with the connection).
const RUN_LOCK = 7272;
const CHUNK = 100;
// Progress is written (and a cancellation noticed) this often while requests go out.
const FLUSH_EVERY_MS = 250;

/**
 * Works through a redelivery's pending events in (connection, sequence) order, each sent once
 * through the same attempt as the stream (target, headers, signature, guarded client, redaction),
 * and writes progress (noticing a cancellation) every 250 ms. A 2xx marks the event's
 * undelivered failures REDELIVERED; a failure is recorded as one more attempt. Returns when
 * nothing is pending, the redelivery was cancelled, the run used its time budget, or the worker is stopping.
 */
export async function runRedelivery(deps: RedeliveryRunnerDeps, redeliveryId: string): Promise<RunOutcome> {
  const { pool, logger } = deps;
  const lock = await pool.connect();
  let locked = false;
  try {
    locked = (await lock.query<{ ok: boolean }>("SELECT pg_try_advisory_lock($1, hashtext($2)) AS ok", [RUN_LOCK, redeliveryId])).rows[0]!.ok;
    if (!locked) return "busy";
    const organizationId = await startRun(pool, redeliveryId);
    if (!organizationId) return (await statusOf(pool, redeliveryId)) === "CANCELLED" ? "cancelled" : "gone";
    return await new RedeliveryRun(deps, redeliveryId, organizationId).work();
  } catch (err) {
    logger.error({ err, redeliveryId }, "redelivery run failed; pg-boss retries it");
    throw err;
  } finally {
    if (locked) await lock.query("SELECT pg_advisory_unlock($1, hashtext($2))", [RUN_LOCK, redeliveryId]).catch(() => undefined);
    lock.release();
  }
}

/** One run of one redelivery, under its lock: reads pending items a chunk at a time and sends them. */
class RedeliveryRun {
  private readonly started = Date.now();
  private readonly targets = new Map<string, PreparedTarget | null>();
  private readonly gate: DestinationGate;
  private readonly results: ResultBuffer<Result>;

  constructor(
    private readonly deps: RedeliveryRunnerDeps,
    private readonly redeliveryId: string,
    private readonly organizationId: string,
  ) {
    this.gate = new DestinationGate(deps.maxConsecutiveFailures ?? 5);
    this.results = new ResultBuffer((results) => writeResults(deps.pool, organizationId, redeliveryId, results), FLUSH_EVERY_MS);
  }

  async work(): Promise<RunOutcome> {
    const { pool } = this.deps;
    let after: { connectionId: string; seq: bigint } = FIRST_ITEM;
    for (let chunk = 0; ; chunk++) {
      // The first chunk is always worked, so every run makes progress.
      if ((chunk > 0 && Date.now() - this.started >= (this.deps.budgetMs ?? 60_000)) || this.stopping()) {
        return (await this.results.flush()) ? "continue" : "cancelled";
      }
      const items = await pendingItems(pool, this.redeliveryId, after, this.deps.chunkSize ?? CHUNK);
      if (items.length === 0) {
        if (!(await this.results.flush())) return "cancelled";
        // Completed only when no event is pending at all; otherwise (one left behind the keyset) go round again.
        if (await completeIfDone(pool, this.redeliveryId)) return "completed";
        if ((await statusOf(pool, this.redeliveryId)) !== "RUNNING") return "cancelled";
        after = FIRST_ITEM;
        continue;
      }
      after = items[items.length - 1]!;
      const running = await this.sendAll(items, await this.prepare(items));
      // Results of requests that were in flight when a cancellation was noticed are written too.
      if (!(await this.results.flush()) || !running) return "cancelled";
    }
  }

  private stopping(): boolean {
    return this.deps.stopping?.() ?? false;
  }

  private async prepare(items: Item[]): Promise<Chunk> {
    const { pool, box } = this.deps;
    const connectionIds = [...new Set(items.map((i) => i.connectionId))];
    const enabled = await enabledAmong(pool, connectionIds);
    for (const id of connectionIds) {
      if (this.targets.has(id)) continue;
      const loaded = await loadTarget(pool, this.organizationId, id, openSecrets(box));
      this.targets.set(id, loaded ? prepareTarget(loaded.target) : null);
    }
    const events = await readEventsBySeq(pool, this.organizationId, [...new Set(items.map((i) => i.seq))]);
    return { enabled, events: new Map(events.map((e) => [e.seq, e])) };
  }

  /** Up to `concurrency` requests at once, in (connection, sequence) order; false once the redelivery was cancelled. */
  private async sendAll(items: Item[], chunk: Chunk): Promise<boolean> {
    const queue = [...items];
    let running = true;
    const lane = async () => {
      while (queue.length > 0 && running && !this.stopping()) {
        const result = await this.handle(queue.shift()!, chunk);
        if (!(await this.results.add(result))) running = false;
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(this.deps.concurrency ?? 8, items.length)) }, lane));
    return running;
  }

  private async handle(item: Item, chunk: Chunk): Promise<Result> {
    const target = this.targets.get(item.connectionId);
    const event = chunk.events.get(item.seq);
    const skip = (error: string): Result => ({ ...item, state: "SKIPPED", statusCode: null, error, attemptedAt: null });
    if (!target) return skip("The connection was deleted.");
    if (!chunk.enabled.has(item.connectionId)) return skip("The connection is disabled; enable it to redeliver.");
    if (!event) return skip("The event is no longer stored (past the 30-day retention).");
    const result = await this.gate.send(
      item.connectionId,
      () => this.send(target, item, event),
      (r) => r.state === "SUCCEEDED",
    );
    if (!result) {
      const max = this.deps.maxConsecutiveFailures ?? 5;
      return { ...item, state: "FAILED", statusCode: null, error: `Not sent: the destination failed ${max} times in a row.`, attemptedAt: null };
    }
    this.deps.metrics?.redelivery(item.connectionId, result.state === "SUCCEEDED");
    return result;
  }

  private async send(target: PreparedTarget, item: Item, event: StoredEvent): Promise<Result> {
    const attemptedAt = new Date();
    const verdict = await attempt(this.deps.http, target, jsonBody(event.body), { at: attemptedAt });
    this.deps.metrics?.attempted(item.connectionId, { ok: verdict.outcome === "ok", latencyMs: verdict.latencyMs });
    if (verdict.outcome === "ok") return { ...item, state: "SUCCEEDED", statusCode: verdict.status, error: null, attemptedAt };
    return {
      ...item,
      state: "FAILED",
      statusCode: verdict.status,
      error: verdict.error,
      attemptedAt,
      failedAttempt: { event, excerpt: verdict.excerpt, latencyMs: verdict.latencyMs, outcome: verdict.outcome === "reject" ? "REJECTED" : "GIVEN_UP" },
    };
  }
}

/**
 * Writes a batch of results in one transaction: item states (only items still pending, so a
 * cancellation wins), REDELIVERED outcomes, failed attempts, and the counters. Returns false when
 * the redelivery was cancelled meanwhile.
 */
async function writeResults(pool: pg.Pool, organizationId: string, redeliveryId: string, results: Result[]): Promise<boolean> {
  return withTransaction(pool, async (client) => {
    const settled = await settleItems(client, redeliveryId, results);
    const count = (state: ItemResult["state"]) => settled.filter((r) => r.state === state).length;
    await markRedelivered(client, settled.filter((r) => r.state === "SUCCEEDED"));
    // A failed request happened whether or not the redelivery was cancelled meanwhile: it is listed.
    await recordFailures(
      client,
      results.flatMap((r) =>
        r.failedAttempt
          ? [
              {
                organizationId,
                connectionId: r.connectionId,
                eventSeq: r.seq,
                eventId: r.failedAttempt.event.event.id,
                eventType: r.failedAttempt.event.event.event_type,
                attempt: null,
                attemptedAt: r.attemptedAt!,
                statusCode: r.statusCode,
                error: r.error,
                responseExcerpt: r.failedAttempt.excerpt,
                latencyMs: r.failedAttempt.latencyMs,
                outcome: r.failedAttempt.outcome,
              },
            ]
          : [],
      ),
    );
    return addCounts(client, redeliveryId, { succeeded: count("SUCCEEDED"), failed: count("FAILED"), skipped: count("SKIPPED") });
  });
}

/**
 * Queues a job for every queued or running redelivery; the job's singleton key makes it a no-op
 * where one is already waiting, so a redelivery whose job used up pg-boss's retries (e.g. during a
 * long database outage) does not stay stuck. The maintenance job runs it hourly. Returns how many were queued.
 */
export async function requeueStalledRedeliveries(pool: pg.Pool, boss: JobSender): Promise<number> {
  let queued = 0;
  for (const redeliveryId of await unfinishedRedeliveries(pool)) {
    if (await sendJob(boss, redeliveryJob, { redeliveryId })) queued++;
  }
  return queued;
}
