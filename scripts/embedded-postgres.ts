import pg from "pg";
import { loadConfig } from "../lib/config";
import { APP_ROLE } from "../lib/db/app-role";
import { type EmbeddedDatabase, startEmbeddedPostgres } from "../lib/db/embedded-postgres";
import { createLogger } from "../lib/log";

// Runs the embedded PostgreSQL for `npm start` in its own process group, so a Ctrl-C in the
// terminal reaches the web app and worker first; start.ts stops this process last. If PostgreSQL
// itself dies (killed, out of memory), it is started again here, with backoff, for as long as it
// takes: the web app answers 503 meanwhile and the worker resumes from its cursors. If start.ts dies
// without a word, the IPC channel closes: the web app and worker stop on their own (they watch
// theirs), so this waits for their sessions to end, then stops PostgreSQL.

let logger = createLogger("postgres", "info");
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function supervise(database: EmbeddedDatabase, stopping: () => boolean) {
  for (;;) {
    const { code, signal } = await database.unexpectedExit();
    if (stopping()) return;
    logger.error({ code, signal }, "PostgreSQL stopped unexpectedly; starting it again (the web app answers 503 until it is back)");
    for (let attempt = 1; !stopping(); attempt++) {
      try {
        await database.restart();
        logger.warn({ attempt }, "PostgreSQL is running again");
        break;
      } catch (err) {
        // Right after a crash its old backends may still hold the shared memory for a moment.
        const retryInMs = Math.min(30_000, 250 * 2 ** attempt);
        logger.error({ err: err instanceof Error ? err : undefined, attempt, retryInMs }, "PostgreSQL did not start; trying again");
        await sleep(retryInMs);
      }
    }
  }
}

/** Waits (at most `ms`) until the web app and worker have closed their sessions, so they can write their cursors. */
async function appSessionsGone(url: string, ms: number) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const client = new pg.Client({ connectionString: url, application_name: "tributary-postgres-supervisor" });
    try {
      await client.connect();
      const { rows } = await client.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE usename = $1", [APP_ROLE]);
      if (rows[0]!.n === 0) return;
    } catch {
      return;
    } finally {
      await client.end().catch(() => undefined);
    }
    await sleep(200);
  }
}

async function main() {
  const config = loadConfig();
  logger = createLogger("postgres", config.logLevel);
  const database = await startEmbeddedPostgres({
    dataDir: config.dataDir,
    port: config.embeddedPostgresPort,
    database: "tributary",
    onLog: (line) => logger.debug({ postgres: line }),
  });
  let stopping = false;
  const stop = async (waitForApp: boolean) => {
    if (stopping) return;
    if (waitForApp) await appSessionsGone(database.url, 20_000);
    stopping = true;
    await database.stop().catch((err) => logger.error({ err }, "PostgreSQL did not stop cleanly"));
    process.exit(0);
  };
  process.on("disconnect", () => void stop(true));
  process.on("SIGTERM", () => void stop(false));
  process.send?.({ ready: true, url: database.url, appUrl: database.appUrl });
  void supervise(database, () => stopping);
}

main().catch((err) => {
  process.send?.({ ready: false, error: (err as Error).message });
  console.error(err);
  process.exit(1);
});
