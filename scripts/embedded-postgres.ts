import { loadConfig } from "../lib/config";
import { startEmbeddedPostgres } from "../lib/db/embedded-postgres";
import { createLogger } from "../lib/log";

// Runs the embedded PostgreSQL for `npm start` in its own process group, so a Ctrl-C in the
// terminal reaches the web app and worker first; start.ts stops this process last. If start.ts
// dies without a word, the IPC channel closes and PostgreSQL is stopped here.

async function main() {
  const config = loadConfig();
  const logger = createLogger("postgres", config.logLevel);
  const database = await startEmbeddedPostgres({
    dataDir: config.dataDir,
    port: config.embeddedPostgresPort,
    database: "tributary",
    onLog: (line) => logger.debug({ postgres: line }),
  });
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await database.stop().catch((err) => logger.error({ err }, "PostgreSQL did not stop cleanly"));
    process.exit(0);
  };
  process.on("disconnect", () => void stop());
  process.on("SIGTERM", () => void stop());
  process.send?.({ ready: true, url: database.url });
}

main().catch((err) => {
  process.send?.({ ready: false, error: (err as Error).message });
  console.error(err);
  process.exit(1);
});
