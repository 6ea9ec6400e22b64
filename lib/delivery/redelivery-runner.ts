import type PgBoss from "pg-boss";
import type pg from "pg";
import type { Logger } from "pino";
import { redactSecrets } from "../crypto/redact-secrets";
import type { SecretBox } from "../crypto/secret-box";
import { withTransaction } from "../db/pool";
import { attemptHeaders, type PreparedTarget, prepareTarget } from "./delivery-request";
import { describeResult } from "./describe-result";
import { readEventsBySeq, type StoredEvent } from "./event-reader";
import { REDELIVERY_QUEUE, type RedeliveryJob } from "../failures/redelivery-queue";
import { ensureQueue } from "../jobs/boss";
import type { DeliveryHttpClient } from "./http-client";
import type { MetricsCollector } from "./metrics";
import { classifyResult } from "./retry-policy";
import { EXCERPT_CHARS, loadTarget, secretsOf } from "./streamer";

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

type Item = { connectionId: string; seq: bigint; failureId: string | null };
type ItemResult = Item & {
  state: "SUCCEEDED" | "FAILED" | "SKIPPED";
  statusCode: number | null;
  error: string | null;
  attemptedAt: Date | null;
  /** Set when a request was made and failed: recorded as one more failed attempt. */
  attempt?: { event: StoredEvent; excerpt: string | null; latencyMs: number; outcome: "GIVEN_UP" | "REJECTED" };
};
type Destination = { prepared: PreparedTarget; secrets: string[] } | null;

// Session-lock class: one run per redelivery across every worker (the lock dies with the connection).
const RUN_LOCK = 7272;
const CHUNK = 100;
// Progress is written (and a cancellation noticed) this often while requests go out.
const FLUSH_EVERY_MS = 250;
const NIL_UUID = "00000000-0000-0000-0000-000000000000";

/**
 * Works through a redelivery's pending events in (connection, sequence) order, each sent once
 * through the normal signed path (the same target, headers, signature and guarded client as the
 * stream), and writes progress (noticing a cancellation) every 250 ms. A 2xx marks the event's
 * undelivered failure rows REDELIVERED; a failure is recorded as one more failed attempt. Stops
 * when done, cancelled, out of budget, or the worker is stopping.
 */
export async function runRedelivery(deps: RedeliveryRunnerDeps, redeliveryId: string): Promise<RunOutcome> {
  const { pool, logger } = deps;
  const budgetMs = deps.budgetMs ?? 60_000;
  const maxConsecutive = deps.maxConsecutiveFailures ?? 5;
  const lock = await pool.connect();
  let locked = false;
  try {
    locked = (await lock.query<{ ok: boolean }>("SELECT pg_try_advisory_lock($1, hashtext($2)) AS ok", [RUN_LOCK, redeliveryId])).rows[0]!.ok;
    if (!locked) return "busy";
    const started = await pool.query<{ organization_id: string }>(
      `UPDATE redeliveries SET status = 'RUNNING', started_at = coalesce(started_at, now())
       WHERE id = $1 AND status IN ('QUEUED', 'RUNNING') RETURNING organization_id`,
      [redeliveryId],
    );
    const organizationId = started.rows[0]?.organization_id;
    if (!organizationId) {
      const { rows } = await pool.query<{ status: string }>("SELECT status::text FROM redeliveries WHERE id = $1", [redeliveryId]);
      return rows[0]?.status === "CANCELLED" ? "cancelled" : "gone";
    }

    const runStarted = Date.now();
    const destinations = new Map<string, Destination>();
    const failuresInARow = new Map<string, number>();
    let after: { connectionId: string; seq: bigint } = { connectionId: NIL_UUID, seq: -1n };
    let pendingResults: ItemResult[] = [];
    let lastFlush = Date.now();
    const flush = async (): Promise<boolean> => {
      const results = pendingResults;
      pendingResults = [];
      lastFlush = Date.now();
      return results.length === 0 ? true : writeResults(pool, organizationId, redeliveryId, results);
    };

    for (let chunk = 0; ; chunk++) {
      // The first chunk is always worked, so every run makes progress.
      if ((chunk > 0 && Date.now() - runStarted >= budgetMs) || deps.stopping?.()) {
        return (await flush()) ? "continue" : "cancelled";
      }
      const items = await nextItems(pool, redeliveryId, after, deps.chunkSize ?? CHUNK);
      if (items.length === 0) {
        if (!(await flush())) return "cancelled";
        // Completed only when no event is pending at all; otherwise (one left behind the keyset) go round again.
        const done = await pool.query(
          `UPDATE redeliveries SET status = 'COMPLETED', finished_at = now()
           WHERE id = $1 AND status = 'RUNNING' AND NOT EXISTS (SELECT 1 FROM redelivery_items WHERE redelivery_id = $1 AND state = 'PENDING')`,
          [redeliveryId],
        );
        if ((done.rowCount ?? 0) > 0) return "completed";
        const { rows } = await pool.query<{ status: string }>("SELECT status::text FROM redeliveries WHERE id = $1", [redeliveryId]);
        if (rows[0]?.status !== "RUNNING") return "cancelled";
        after = { connectionId: NIL_UUID, seq: -1n };
        continue;
      }
      after = items[items.length - 1]!;

      const connectionIds = [...new Set(items.map((i) => i.connectionId))];
      const enabled = await enabledConnections(pool, connectionIds);
      for (const id of connectionIds) {
        if (!destinations.has(id)) {
          const loaded = await loadTarget(pool, deps.box, id);
          destinations.set(id, loaded ? { prepared: prepareTarget(loaded.target), secrets: secretsOf(loaded.target) } : null);
        }
      }
      const events = new Map(
        (await readEventsBySeq(pool, organizationId, [...new Set(items.map((i) => i.seq))])).map((e) => [e.seq, e] as const),
      );

      // Up to `concurrency` requests at once, in (connection, sequence) order; a destination that
      // failed is probed one request at a time until it answers 2xx again.
      const queue = [...items];
      const inFlight = new Map<string, Set<Promise<unknown>>>();
      let cancelled = false;
      let flushing: Promise<boolean> | null = null;
      const handle = async (item: Item): Promise<ItemResult> => {
        const destination = destinations.get(item.connectionId);
        const event = events.get(item.seq);
        const skip = (error: string): ItemResult => ({ ...item, state: "SKIPPED", statusCode: null, error, attemptedAt: null });
        if (!destination) return skip("The connection was deleted.");
        if (!enabled.has(item.connectionId)) return skip("The connection is disabled; enable it to redeliver.");
        if (!event) return skip("The event is no longer stored (past the 30-day retention).");
        const requests = inFlight.get(item.connectionId) ?? new Set();
        inFlight.set(item.connectionId, requests);
        while ((failuresInARow.get(item.connectionId) ?? 0) > 0 && requests.size > 0) await Promise.race(requests);
        if ((failuresInARow.get(item.connectionId) ?? 0) >= maxConsecutive) {
          return { ...item, state: "FAILED", statusCode: null, error: `Not sent: the destination failed ${maxConsecutive} times in a row.`, attemptedAt: null };
        }
        const request = send(deps, destination, item, event);
        requests.add(request);
        try {
          const result = await request;
          deps.metrics?.redelivery(item.connectionId, result.state === "SUCCEEDED");
          failuresInARow.set(item.connectionId, result.state === "SUCCEEDED" ? 0 : (failuresInARow.get(item.connectionId) ?? 0) + 1);
          return result;
        } finally {
          requests.delete(request);
        }
      };
      const lane = async () => {
        while (queue.length > 0 && !cancelled && !deps.stopping?.()) {
          // Not `pendingResults.push(await …)`: that would push into the array a flush took meanwhile.
          const result = await handle(queue.shift()!);
          pendingResults.push(result);
          if (!flushing && Date.now() - lastFlush >= FLUSH_EVERY_MS) {
            flushing = flush();
            if (!(await flushing)) cancelled = true;
            flushing = null;
          }
        }
      };
      await Promise.all(Array.from({ length: Math.max(1, Math.min(deps.concurrency ?? 8, items.length)) }, lane));
      if (flushing) await flushing;
      if (cancelled) return "cancelled";
      if (!(await flush())) return "cancelled";
    }
  } catch (err) {
    logger.error({ err, redeliveryId }, "redelivery run failed; pg-boss retries it");
    throw err;
  } finally {
    if (locked) await lock.query("SELECT pg_advisory_unlock($1, hashtext($2))", [RUN_LOCK, redeliveryId]).catch(() => undefined);
    lock.release();
  }
}

async function send(deps: RedeliveryRunnerDeps, destination: NonNullable<Destination>, item: Item, event: StoredEvent): Promise<ItemResult> {
  const attemptedAt = new Date();
  const { prepared, secrets } = destination;
  const result = await deps.http.post(prepared.url, attemptHeaders(prepared, event.body, attemptedAt), event.body, { excerptOnSuccess: false });
  const verdict = classifyResult(result);
  if (verdict === "delivered") return { ...item, state: "SUCCEEDED", statusCode: result.status, error: null, attemptedAt };
  const error = redactSecrets(describeResult(result), secrets);
  return {
    ...item,
    state: "FAILED",
    statusCode: result.status,
    error,
    attemptedAt,
    attempt: {
      event,
      excerpt: redactSecrets(result.responseExcerpt, secrets)?.slice(0, EXCERPT_CHARS) ?? null,
      latencyMs: result.latencyMs,
      outcome: verdict === "reject" ? "REJECTED" : "GIVEN_UP",
    },
  };
}

async function nextItems(pool: pg.Pool, redeliveryId: string, after: { connectionId: string; seq: bigint }, limit: number): Promise<Item[]> {
  const { rows } = await pool.query<{ connection_id: string; seq: string; failure_id: string | null }>(
    `SELECT connection_id, event_seq::text AS seq, failure_id FROM redelivery_items
     WHERE redelivery_id = $1 AND state = 'PENDING' AND (connection_id, event_seq) > ($2::uuid, $3::bigint)
     ORDER BY connection_id, event_seq LIMIT $4`,
    [redeliveryId, after.connectionId, after.seq.toString(), limit],
  );
  return rows.map((r) => ({ connectionId: r.connection_id, seq: BigInt(r.seq), failureId: r.failure_id }));
}

async function enabledConnections(pool: pg.Pool, ids: string[]): Promise<Set<string>> {
  const { rows } = await pool.query<{ id: string }>("SELECT id FROM connections WHERE id = ANY($1::uuid[]) AND enabled", [ids]);
  return new Set(rows.map((r) => r.id));
}

/**
 * Writes a batch of results in one transaction: item states (only items still pending, so a
 * cancellation wins), REDELIVERED outcomes, failed attempts, and the counters. Returns false when
 * the redelivery was cancelled meanwhile.
 */
async function writeResults(pool: pg.Pool, organizationId: string, redeliveryId: string, results: ItemResult[]): Promise<boolean> {
  // The results' (connection, sequence) range bounds the index scans whatever plan the statistics of
  // a freshly filled table lead to (without it: a nested loop over every item, 370 ms per 100).
  const sorted = [...results].sort((a, b) => (a.connectionId === b.connectionId ? (a.seq < b.seq ? -1 : a.seq > b.seq ? 1 : 0) : a.connectionId < b.connectionId ? -1 : 1));
  const first = sorted[0]!;
  const last = sorted[sorted.length - 1]!;
  return withTransaction(pool, async (client) => {
    const updated = await client.query<{ connection_id: string; seq: string; failure_id: string | null; state: ItemResult["state"] }>(
      `UPDATE redelivery_items i SET state = u.state::"RedeliveryItemState", status_code = u.status, error = u.error, attempted_at = u.at
       FROM unnest($2::uuid[], $3::bigint[], $4::text[], $5::int[], $6::text[], $7::timestamptz[]) AS u(cid, seq, state, status, error, at)
       WHERE i.redelivery_id = $1 AND i.connection_id = u.cid AND i.event_seq = u.seq AND i.state = 'PENDING'
         AND (i.connection_id, i.event_seq) >= ($8::uuid, $9::bigint) AND (i.connection_id, i.event_seq) <= ($10::uuid, $11::bigint)
       RETURNING i.connection_id, i.event_seq::text AS seq, i.failure_id, i.state::text AS state`,
      [
        redeliveryId,
        results.map((r) => r.connectionId),
        results.map((r) => r.seq.toString()),
        results.map((r) => r.state),
        results.map((r) => r.statusCode),
        results.map((r) => r.error),
        results.map((r) => r.attemptedAt),
        first.connectionId,
        first.seq.toString(),
        last.connectionId,
        last.seq.toString(),
      ],
    );
    const succeeded = updated.rows.filter((r) => r.state === "SUCCEEDED");
    if (succeeded.length > 0) {
      const seqs = succeeded.map((r) => BigInt(r.seq));
      const min = seqs.reduce((a, b) => (b < a ? b : a));
      const max = seqs.reduce((a, b) => (b > a ? b : a));
      await client.query(
        `UPDATE delivery_failures f SET outcome = 'REDELIVERED'
         FROM unnest($1::uuid[], $2::bigint[], $3::uuid[]) AS u(cid, seq, fid)
         WHERE f.connection_id = u.cid AND f.event_seq = u.seq AND f.outcome <> 'RETRYING'
           AND (f.outcome IN ('GIVEN_UP', 'REJECTED') OR f.id = u.fid)
           AND f.connection_id = ANY($1::uuid[]) AND f.event_seq BETWEEN $4 AND $5`,
        [succeeded.map((r) => r.connection_id), succeeded.map((r) => r.seq), succeeded.map((r) => r.failure_id), min.toString(), max.toString()],
      );
    }
    // A failed request happened whether or not the redelivery was cancelled meanwhile: it is listed.
    const attempts = results.filter((r): r is ItemResult & { attempt: NonNullable<ItemResult["attempt"]> } => r.attempt !== undefined);
    if (attempts.length > 0) {
      await client.query(
        `INSERT INTO delivery_failures (organization_id, connection_id, event_seq, event_id, event_type, attempt, attempted_at,
                                        status_code, error, response_excerpt, latency_ms, outcome)
         SELECT $1, u.cid, u.seq, u.eid, u.etype,
                coalesce((SELECT max(x.attempt) FROM delivery_failures x WHERE x.connection_id = u.cid AND x.event_seq = u.seq), 0) + 1,
                u.at, u.status, u.error, u.excerpt, u.latency, u.outcome::"FailureOutcome"
         FROM unnest($2::uuid[], $3::bigint[], $4::uuid[], $5::text[], $6::timestamptz[], $7::int[], $8::text[], $9::text[], $10::int[], $11::text[])
              AS u(cid, seq, eid, etype, at, status, error, excerpt, latency, outcome)
         WHERE EXISTS (SELECT 1 FROM connections c WHERE c.id = u.cid)`,
        [
          organizationId,
          attempts.map((r) => r.connectionId),
          attempts.map((r) => r.seq.toString()),
          attempts.map((r) => r.attempt.event.event.id),
          attempts.map((r) => r.attempt.event.event.event_type),
          attempts.map((r) => r.attemptedAt),
          attempts.map((r) => r.statusCode),
          attempts.map((r) => r.error),
          attempts.map((r) => r.attempt.excerpt),
          attempts.map((r) => r.attempt.latencyMs),
          attempts.map((r) => r.attempt.outcome),
        ],
      );
    }
    const count = (state: ItemResult["state"]) => updated.rows.filter((r) => r.state === state).length;
    const { rows } = await client.query<{ status: string }>(
      "UPDATE redeliveries SET succeeded = succeeded + $2, failed = failed + $3, skipped = skipped + $4 WHERE id = $1 RETURNING status::text",
      [redeliveryId, succeeded.length, count("FAILED"), count("SKIPPED")],
    );
    return rows[0]?.status === "RUNNING";
  });
}

/**
 * Works the redelivery queue. A run works for at most `budgetMs` (a minute) and then queues its
 * continuation; a crashed run's job expires after five minutes and is retried, resuming with the
 * events still pending.
 */
export async function workRedeliveries(boss: PgBoss, deps: RedeliveryRunnerDeps): Promise<void> {
  await ensureQueue(boss, REDELIVERY_QUEUE, { retryLimit: 20, retryDelay: 5, expireInSeconds: 300 });
  await boss.work<RedeliveryJob>(REDELIVERY_QUEUE, { pollingIntervalSeconds: 1 }, async (jobs) => {
    for (const job of jobs) {
      const outcome = await runRedelivery(deps, job.data.redeliveryId);
      deps.logger.info({ redeliveryId: job.data.redeliveryId, outcome }, "redelivery run ended");
      if (outcome === "continue") await boss.send(REDELIVERY_QUEUE, job.data);
    }
  });
}

/**
 * Queues a job again for every queued or running redelivery that has none left (its job used up
 * pg-boss's retries, e.g. during a long database outage), so none stays stuck. The maintenance
 * job runs it hourly. Returns how many were queued.
 */
export async function requeueStalledRedeliveries(pool: pg.Pool, boss: Pick<PgBoss, "send">): Promise<number> {
  const { rows } = await pool.query<{ id: string }>(
    `SELECT r.id FROM redeliveries r
     WHERE r.status IN ('QUEUED', 'RUNNING')
       AND NOT EXISTS (SELECT 1 FROM pgboss.job j
                       WHERE j.name = $1 AND j.state IN ('created', 'retry', 'active') AND j.data->>'redeliveryId' = r.id::text)`,
    [REDELIVERY_QUEUE],
  );
  for (const r of rows) {
    const job: RedeliveryJob = { redeliveryId: r.id };
    await boss.send(REDELIVERY_QUEUE, job);
  }
  return rows.length;
}
