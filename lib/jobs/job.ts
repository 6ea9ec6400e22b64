import type PgBoss from "pg-boss";
import type pg from "pg";
import type { Logger } from "pino";
import type { z } from "zod";
import type { Config } from "../config";
import type { RedeliveryRunnerDeps } from "../delivery/redelivery-runner";
import type { Mailer } from "../notifications/mailer";
import { ensureQueue, type JobSender, type QueueOptions } from "./boss";

/** What the worker hands every job handler; a job names the part it uses. */
export type JobContext = {
  config: Config;
  logger: Logger;
  pool: pg.Pool;
  boss: JobSender;
  mailer: Mailer;
  redelivery: RedeliveryRunnerDeps;
};

/**
 * A background job as data (documenso's shape): the pg-boss queue it lives in, the zod schema of its
 * payload (checked when it is sent and again when it is worked), and a handler that loads its code
 * only when it runs, so the web app can send a job without bundling what works it.
 */
export type JobDefinition<S extends z.ZodType = z.ZodType, C = JobContext> = {
  name: string;
  schema: S;
  /** Options of the queue; `policy` enforces `singletonKey` (see lib/jobs/definitions/redelivery.ts). */
  queue?: QueueOptions;
  /** Options of every job sent to the queue. */
  send?: Omit<PgBoss.SendOptions, "db" | "singletonKey">;
  /** Jobs with the same key are deduplicated as the queue's policy says. */
  singletonKey?(data: z.output<S>): string;
  /** A cron schedule (UTC unless `tz`), for jobs that run on the clock. */
  schedule?: { cron: (config: Config) => string; tz?: string };
  work?: PgBoss.WorkOptions;
  handler(data: z.output<S>, ctx: C): Promise<void>;
};

export function defineJob<S extends z.ZodType, C = JobContext>(job: JobDefinition<S, C>): JobDefinition<S, C> {
  return job;
}

/**
 * Queues a job after checking its payload. `db` runs the insert in the caller's transaction. Returns
 * the job's id, or null when the queue is missing or a job with the same singleton key is queued.
 */
export async function sendJob<S extends z.ZodType>(
  boss: JobSender,
  job: JobDefinition<S, never>,
  data: z.input<S>,
  options: { db?: { executeSql: (text: string, values: unknown[]) => Promise<unknown> } } = {},
): Promise<string | null> {
  const payload = job.schema.parse(data) as z.output<S>;
  return boss.send(job.name, payload as object, {
    ...job.send,
    ...(job.singletonKey ? { singletonKey: job.singletonKey(payload) } : {}),
    ...(options.db ? { db: options.db as PgBoss.Db } : {}),
  });
}

export async function ensureJobQueue(boss: PgBoss, job: JobDefinition<z.ZodType, never>): Promise<void> {
  await ensureQueue(boss, job.name, job.queue);
}

/** Creates the job's queue and works it in this process; a handler that throws is retried as the queue says. */
export async function workJob<S extends z.ZodType, C>(boss: PgBoss, job: JobDefinition<S, C>, ctx: C): Promise<void> {
  await ensureJobQueue(boss, job as JobDefinition<z.ZodType, never>);
  await boss.work<unknown>(job.name, job.work ?? {}, async (jobs) => {
    for (const j of jobs) await job.handler(job.schema.parse(j.data) as z.output<S>, ctx);
  });
}
