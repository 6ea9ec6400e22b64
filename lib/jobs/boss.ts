import PgBoss from "pg-boss";
import { databaseUrl } from "../db/url";

const holder = globalThis as unknown as { __tributaryJobSender?: PgBoss };

export type JobSender = Pick<PgBoss, "send">;

/**
 * Queues pg-boss jobs from the web app. It is never started, so it opens no pool of its own: every
 * `send` passes the caller's transaction as its `db`, and the job exists exactly when the change does.
 */
export function jobSender(): JobSender {
  holder.__tributaryJobSender ??= new PgBoss({ connectionString: databaseUrl() });
  return holder.__tributaryJobSender;
}

export type QueueOptions = Omit<PgBoss.Queue, "name">;

/**
 * Creates a queue (pg-boss 10 needs one before jobs can be sent to it), or brings an existing one's
 * options up to date: a queue created by an older version keeps its policy otherwise, and a
 * singleton key means nothing under the `standard` policy.
 */
export async function ensureQueue(boss: PgBoss, name: string, options: QueueOptions = {}): Promise<void> {
  const existing = await boss.getQueue(name);
  if (!existing) {
    await boss.createQueue(name, { name, ...options });
    return;
  }
  const keys = Object.keys(options) as (keyof QueueOptions)[];
  if (keys.some((k) => existing[k] !== options[k])) await boss.updateQueue(name, { name, policy: existing.policy, ...options });
}

/** Lets `sendJob` insert the job inside a Prisma interactive transaction (the job exists exactly when the change does). */
export function prismaJobDb(tx: { $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): Promise<T> }) {
  return { executeSql: async (text: string, values: unknown[]) => ({ rows: await tx.$queryRawUnsafe<unknown[]>(text, ...values) }) };
}
