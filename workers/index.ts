import pg from "pg";
import PgBoss from "pg-boss";
import { purgeExpiredRateLimits } from "../lib/auth/rate-limit";
import { getConfig } from "../lib/config";
import { secretBox } from "../lib/crypto/secret-box";
import { databaseUrl } from "../lib/db/url";
import { createWorkerPool } from "../lib/db/pool";
import { createHttpClient } from "../lib/delivery/http-client";
import { MetricsCollector } from "../lib/delivery/metrics";
import { parseAllowList } from "../lib/delivery/outbound-guard";
import { StreamManager } from "../lib/delivery/stream-manager";
import { AUTO_DISABLED_EMAIL_QUEUE, type AutoDisabledJob, autoDisable, loadAutoDisabledNotice } from "../lib/delivery/auto-disable";
import { requeueStalledRedeliveries, workRedeliveries } from "../lib/delivery/redelivery-runner";
import { ensureQueue } from "../lib/jobs/boss";
import { purgeExpired } from "../lib/failures/retention";
import { HEARTBEAT_INTERVAL_MS } from "../lib/health";
import { createLogger } from "../lib/log";
import { autoDisabledEmail } from "../lib/notifications/auto-disabled-email";
import { sendDailyDigests } from "../lib/notifications/daily-digest";
import { createMailer } from "../lib/notifications/mailer";
import { beat, forget, newWorkerId, purgeOldHeartbeats } from "../lib/worker-heartbeat";

const MAINTENANCE_QUEUE = "maintenance";
const RETENTION_QUEUE = "retention";
const DIGEST_QUEUE = "daily-digest";

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

  const boss = new PgBoss({ connectionString: url, application_name: "tributary-worker" });
  boss.on("error", (err) => logger.error({ err }, "pg-boss error"));
  const setup = new pg.Client({ connectionString: url, application_name: "tributary-worker-setup" });
  await setup.connect();
  await setup.query("SELECT pg_advisory_lock($1)", [SETUP_LOCK_ID]);
  await boss.start();

  await ensureQueue(boss, MAINTENANCE_QUEUE);
  await boss.schedule(MAINTENANCE_QUEUE, "17 * * * *");
  await boss.work(MAINTENANCE_QUEUE, async () => {
    const limits = await purgeExpiredRateLimits(pool, config.login.windowSeconds);
    const beats = await purgeOldHeartbeats(pool);
    const requeued = await requeueStalledRedeliveries(pool, boss);
    logger.info({ rateLimitRows: limits, heartbeats: beats, requeuedRedeliveries: requeued }, "maintenance done");
  });

  const allow = parseAllowList(config.outboundAllowCidrs);
  const metrics = new MetricsCollector();
  const http = createHttpClient({
    allow,
    connectTimeoutMs: config.delivery.connectTimeoutMs,
    responseTimeoutMs: config.delivery.timeoutMs,
    connectionsPerOrigin: config.delivery.maxInFlight,
  });
  // pg-boss runs one job per cron tick however many workers there are.
  await ensureQueue(boss, RETENTION_QUEUE);
  await boss.schedule(RETENTION_QUEUE, "40 3 * * *");
  await boss.work(RETENTION_QUEUE, async () => {
    const purged = await purgeExpired(pool);
    logger.info(purged, "purged failed deliveries and events past the 30-day retention");
  });

  const mailer = createMailer(config, logger);
  await ensureQueue(boss, DIGEST_QUEUE, { retryLimit: 5, retryBackoff: true });
  await boss.schedule(DIGEST_QUEUE, config.digestCron, undefined, { tz: "UTC" });
  await boss.work(DIGEST_QUEUE, async () => {
    const sent = await sendDailyDigests(pool, mailer, config.appUrl);
    logger.info({ sent }, "daily failure digests sent");
  });
  await ensureQueue(boss, AUTO_DISABLED_EMAIL_QUEUE);
  // A failed send throws, and pg-boss retries it with backoff; it never takes the worker down.
  await boss.work<AutoDisabledJob>(AUTO_DISABLED_EMAIL_QUEUE, async (jobs) => {
    for (const job of jobs) {
      const loaded = await loadAutoDisabledNotice(pool, job.data);
      if (!loaded || loaded.to.length === 0) continue;
      await mailer.send(autoDisabledEmail({ ...loaded.notice, appUrl: config.appUrl }, loaded.to));
    }
  });

  const box = secretBox(config);
  await workRedeliveries(boss, { pool, http, box, logger, metrics, stopping: () => stopping, concurrency: config.delivery.maxInFlight });

  await setup.query("SELECT pg_advisory_unlock($1)", [SETUP_LOCK_ID]);
  await setup.end();

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
  const flushTimer = setInterval(() => metrics.flush(pool).catch((err) => logger.error({ err }, "metrics flush failed")), 1_000);

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
