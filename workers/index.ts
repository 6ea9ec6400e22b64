import pg from "pg";
import PgBoss from "pg-boss";
import { getConfig } from "../lib/config";
import { secretBox } from "../lib/crypto/secret-box";
import { databaseUrl } from "../lib/db/url";
import { createWorkerPool, openSessions } from "../lib/db/pool";
import { createHttpClient } from "../lib/delivery/http-client";
import { MetricsCollector } from "../lib/delivery/metrics";
import { parseAllowList } from "../lib/delivery/outbound-guard";
import { StreamManager } from "../lib/delivery/stream-manager";
import { autoDisable } from "../lib/delivery/auto-disable";
import { warnFailing } from "../lib/health/failing-warning";
import { type JobContext, workJob } from "../lib/jobs/job";
import { JOBS } from "../lib/jobs/registry";
import { HEARTBEAT_INTERVAL_MS } from "../lib/health";
import { createLogger } from "../lib/log";
import { createMailer } from "../lib/notifications/mailer";
import { upkeepPartitions } from "../lib/partitions";
import { beat, forget, newWorkerId } from "../lib/worker-heartbeat";

// Workers starting together on a new database deadlock inside pg-boss's createQueue (seen with
// three at once); they take turns through this advisory lock instead.
const SETUP_LOCK_ID = 72707371;

// A signal that arrives while the worker is still starting is kept and acted on once it is up.
let pendingSignal: string | null = null;
let onSignal: (signal: string) => void = (signal) => {
  pendingSignal ??= signal;
};
process.on("SIGTERM", () => onSignal("SIGTERM"));
process.on("SIGINT", () => onSignal("SIGINT"));
let stopping = false;

async function main() {
  const config = getConfig();
  const logger = createLogger("worker");
  const workerId = newWorkerId();
  const startedAt = new Date();
  const url = databaseUrl();
  const pool = createWorkerPool(url, 10);
  await openSessions(pool);

  const boss = new PgBoss({ connectionString: url, application_name: "tributary-worker" });
  boss.on("error", (err) => logger.error({ err }, "pg-boss error"));
  const setup = new pg.Client({ connectionString: url, application_name: "tributary-worker-setup" });
  await setup.connect();
  await setup.query("SELECT pg_advisory_lock($1)", [SETUP_LOCK_ID]);
  await boss.start();

  const allow = parseAllowList(config.outboundAllowCidrs);
  const metrics = new MetricsCollector({ stats: config.connectionStats });
  const http = createHttpClient({
    allow,
    connectTimeoutMs: config.delivery.connectTimeoutMs,
    responseTimeoutMs: config.delivery.timeoutMs,
    connectionsPerOrigin: config.delivery.maxInFlight,
  });
  const box = secretBox(config);
  const mailer = createMailer(config, logger);
  const ctx: JobContext = {
    config,
    logger,
    pool,
    boss,
    mailer,
    redelivery: { pool, http, box, logger, metrics, stopping: () => stopping, concurrency: config.delivery.maxInFlight },
  };
  // pg-boss runs one job per cron tick however many workers there are.
  for (const job of JOBS) {
    await workJob(boss, job, ctx);
    if (job.schedule) await boss.schedule(job.name, job.schedule.cron(config), undefined, job.schedule.tz ? { tz: job.schedule.tz } : undefined);
  }

  await setup.query("SELECT pg_advisory_unlock($1)", [SETUP_LOCK_ID]);
  await setup.end();
  // The hourly maintenance job keeps partitions ahead; a worker starting after a long stop does it at once.
  await upkeepPartitions(pool).catch((err) => logger.error({ err }, "could not create partitions ahead"));

  const streams = new StreamManager({
    pool,
    http,
    box,
    delivery: config.delivery,
    metrics,
    logger,
    databaseUrl: url,
    onUnhealthy: async (connectionId, verdict) => {
      await autoDisable(pool, boss, connectionId, verdict);
    },
  });
  await streams.start();
  // Counters, per-minute statistics and health are written once a second; a connection failing long
  // enough gets its one warning per failing spell from here.
  const flushTimer = setInterval(
    () =>
      metrics
        .flush(pool)
        .then((health) => warnFailing(pool, boss, health, config.healthWarning))
        .catch((err) => logger.error({ err }, "metrics flush failed")),
    1_000,
  );

  await beat(pool, workerId, startedAt);
  const timer = setInterval(() => {
    beat(pool, workerId, startedAt).catch((err) => logger.error({ err }, "heartbeat failed"));
  }, HEARTBEAT_INTERVAL_MS);
  logger.info({ workerId }, "worker started");

  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "worker stopping");
    clearInterval(timer);
    // Streamers and pg-boss jobs (a redelivery run stops after its requests in flight and queues
    // its continuation) finish before the HTTP client they use is closed.
    await Promise.all([
      streams.stop().catch((err) => logger.error({ err }, "stopping streamers failed")),
      boss.stop({ graceful: true, wait: true, timeout: 15_000 }).catch((err) => logger.error({ err }, "pg-boss stop failed")),
    ]);
    clearInterval(flushTimer);
    await metrics.flush(pool).catch(() => undefined);
    await http.close().catch(() => undefined);
    await forget(pool, workerId).catch(() => undefined);
    await pool.end().catch(() => undefined);
    logger.info("worker stopped");
    process.exit(0);
  };
  onSignal = (signal) => void stop(signal);
  if (pendingSignal) onSignal(pendingSignal);
}

main().catch((err) => {
  createLogger("worker").fatal({ err }, "worker failed to start");
  process.exit(1);
});
