import PgBoss from "pg-boss";
import { databaseUrl } from "../db/url";

const holder = globalThis as unknown as { __tributaryJobSender?: PgBoss };

/**
 * Queues pg-boss jobs from the web app. It is never started, so it opens no pool of its own: every
 * `send` passes the caller's transaction as its `db`, and the job exists exactly when the change does.
 */
export function jobSender(): Pick<PgBoss, "send"> {
  holder.__tributaryJobSender ??= new PgBoss({ connectionString: databaseUrl() });
  return holder.__tributaryJobSender;
}

/** Creates a queue once; pg-boss 10 needs a queue before jobs can be sent to it. */
export async function ensureQueue(boss: PgBoss, name: string, options: Omit<PgBoss.Queue, "name"> = {}): Promise<void> {
  if (!(await boss.getQueue(name))) await boss.createQueue(name, { name, ...options });
}
