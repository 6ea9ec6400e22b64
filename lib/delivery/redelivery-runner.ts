import type pg from "pg";
import type { Logger } from "pino";
import { ageText } from "../connections/age-text";
import { enabledAmong } from "../connections/stream-state";
import { loadTarget, openSecrets } from "../connections/target";
import type { SecretBox } from "../crypto/secret-box";
import { holdClient, withTransaction } from "../db/pool";
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
import type { AttemptVerdict } from "./attempt";
import { nextBatch } from "./batcher";
import { BatchSender } from "./batch-sender";
import { prepareTarget } from "./delivery-request";
import type { DeliverySettings } from "./delivery-settings";
import { DestinationGate } from "./destination-gate";
import { frameOverhead, isBatchFormat } from "./formats/wire-format";
import { intakeLimits } from "./intake-limits";
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

/** A connection's destination as the run sends to it: the stream's sender, format and limits. */
type Target = { sender: BatchSender; settings: DeliverySettings };

/** One request's worth of work (a batch in the connection's format, or one event), or an item skipped without a request. */
type Unit = { skipped: Result } | { connectionId: string; target: Target; entries: Entry[] };
type Entry = { item: Item; stored: StoredEvent };

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
  const held = await holdClient(pool);
  const lock = held.client;
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
    held.release();
  }
}

/** One run of one redelivery, under its lock: reads pending items a chunk at a time and sends them. */
class RedeliveryRun {
  private readonly started = Date.now();
  private readonly targets = new Map<string, Target | null>();
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
      if (!loaded) {
        this.targets.set(id, null);
        continue;
      }
      const intake = intakeLimits(loaded.target.url);
      const sender = new BatchSender(this.deps.http, prepareTarget(loaded.target), loaded.delivery, intake, {
        stopping: () => this.stopping(),
        // Per-event statistics and health, as the stream records them.
        onAnswer: (verdict, at, events) => this.deps.metrics?.attempted(id, { ok: verdict.outcome === "ok", latencyMs: verdict.latencyMs, events }),
      });
      const batch = intake ? { ...loaded.delivery.batch, maxEvents: Math.min(loaded.delivery.batch.maxEvents, intake.maxEvents) } : loaded.delivery.batch;
      this.targets.set(id, { sender, settings: { ...loaded.delivery, batch } });
    }
    const events = await readEventsBySeq(pool, this.organizationId, [...new Set(items.map((i) => i.seq))]);
    return { enabled, events: new Map(events.map((e) => [e.seq, e])) };
  }

  /** Up to `concurrency` requests at once, in (connection, sequence) order; false once the redelivery was cancelled. */
  private async sendAll(items: Item[], chunk: Chunk): Promise<boolean> {
    const queue = this.units(items, chunk);
    let running = true;
    const lane = async () => {
      while (queue.length > 0 && running && !this.stopping()) {
        for (const result of await this.handle(queue.shift()!)) {
          if (!(await this.results.add(result))) running = false;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(this.deps.concurrency ?? 8, queue.length)) }, lane));
    return running;
  }

  /**
   * The chunk as requests: each connection's events in sequence order, batched as its stream batches
   * them (one per request for EVENT); items that cannot be sent are skipped with the reason.
   */
  private units(items: Item[], chunk: Chunk): Unit[] {
    const units: Unit[] = [];
    let run: { connectionId: string; target: Target; entries: Entry[] } | null = null;
    const flush = () => {
      if (!run) return;
      units.push(...this.batches(run));
      run = null;
    };
    for (const item of items) {
      const target = this.targets.get(item.connectionId);
      const stored = chunk.events.get(item.seq);
      const skip = (error: string) => {
        units.push({ skipped: { ...item, state: "SKIPPED", statusCode: null, error, attemptedAt: null } });
      };
      if (!target) skip("The connection was deleted.");
      else if (!chunk.enabled.has(item.connectionId)) skip("The connection is disabled; enable it to redeliver.");
      else if (!stored) skip("The event is no longer stored (past the 30-day retention).");
      else if (tooOld(target.settings, stored)) {
        skip(`The destination does not take events older than ${ageText(target.settings.maxEventAgeSeconds!)} (the connection's catch-up limit); clear the limit to send it anyway.`);
      } else {
        if (run && run.connectionId !== item.connectionId) flush();
        run ??= { connectionId: item.connectionId, target, entries: [] };
        run.entries.push({ item, stored });
      }
    }
    flush();
    return units;
  }

  private batches(run: { connectionId: string; target: Target; entries: Entry[] }): Unit[] {
    const { format, batch } = run.target.settings;
    if (!isBatchFormat(format)) return run.entries.map((e) => ({ connectionId: run.connectionId, target: run.target, entries: [e] }));
    const units: Unit[] = [];
    const sized = run.entries.map((e) => ({ ...e, size: Buffer.byteLength(e.stored.body) + frameOverhead(format, e.stored) }));
    while (sized.length > 0) {
      const next = nextBatch(format, sized, batch, { waitedMs: 0, flush: true });
      const take = next && "take" in next ? next.take : sized.length;
      units.push({ connectionId: run.connectionId, target: run.target, entries: sized.splice(0, take).map(({ item, stored }) => ({ item, stored })) });
    }
    return units;
  }

  private async handle(unit: Unit): Promise<Result[]> {
    if ("skipped" in unit) return [unit.skipped];
    const results = await this.gate.send(
      unit.connectionId,
      () => this.send(unit.target, unit.entries),
      (rs) => rs.some((r) => r.state === "SUCCEEDED"),
    );
    if (!results) {
      const max = this.deps.maxConsecutiveFailures ?? 5;
      return unit.entries.map(({ item }) => ({ ...item, state: "FAILED", statusCode: null, error: `Not sent: the destination failed ${max} times in a row.`, attemptedAt: null }));
    }
    for (const r of results) this.deps.metrics?.redelivery(unit.connectionId, r.state === "SUCCEEDED");
    return results;
  }

  /** Sends once (bisecting a rejected batch like the stream; a 413 splits it in halves); events not sent because the worker stops stay pending. */
  private async send(target: Target, entries: Entry[]): Promise<Result[]> {
    const out = await target.sender.send(entries);
    const results: Result[] = out.delivered.map(({ item }) => ({ ...item, state: "SUCCEEDED", statusCode: out.deliveredStatus, error: null, attemptedAt: new Date() }));
    const failed = (list: Entry[], verdict: AttemptVerdict, attemptedAt: number, outcome: "GIVEN_UP" | "REJECTED") =>
      list.map(({ item, stored }): Result => ({
        ...item,
        state: "FAILED",
        statusCode: verdict.status,
        error: verdict.error,
        attemptedAt: new Date(attemptedAt),
        failedAttempt: { event: stored, excerpt: verdict.excerpt, latencyMs: verdict.latencyMs, outcome },
      }));
    for (const r of out.rejected) results.push(...failed(r.items, r.verdict, r.attemptedAt, "REJECTED"));
    if (out.retry) results.push(...failed([...out.retry.items, ...out.retry.rest], out.retry.verdict, out.retry.attemptedAt, "GIVEN_UP"));
    if (out.tooLarge) {
      const rest = [...out.tooLarge.items, ...out.tooLarge.rest];
      const half = Math.ceil(rest.length / 2);
      for (const part of [rest.slice(0, half), rest.slice(half)]) if (part.length > 0) results.push(...(await this.send(target, part)));
    }
    return results;
  }
}

const tooOld = (settings: DeliverySettings, stored: StoredEvent) =>
  settings.maxEventAgeSeconds !== null && Date.now() - stored.createdAt > settings.maxEventAgeSeconds * 1000;

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
