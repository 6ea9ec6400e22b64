import PgBoss from "pg-boss";
import { purgeExpiredRateLimits } from "../lib/auth/rate-limit";
import { getConfig } from "../lib/config";
import { databaseUrl, db } from "../lib/db/client";
import { HEARTBEAT_INTERVAL_MS } from "../lib/health";
import { createLogger } from "../lib/log";
import { beat, forget, newWorkerId, purgeOldHeartbeats } from "../lib/worker-heartbeat";

const MAINTENANCE_QUEUE = "maintenance";

async function main() {
  const config = getConfig();
  const logger = createLogger("worker");
  const workerId = newWorkerId();
  const startedAt = new Date();

  const boss = new PgBoss({ connectionString: databaseUrl(), application_name: "tributary-worker" });
  boss.on("error", (err) => logger.error({ err }, "pg-boss error"));
  await boss.start();

  await boss.createQueue(MAINTENANCE_QUEUE);
  await boss.schedule(MAINTENANCE_QUEUE, "17 * * * *");
  await boss.work(MAINTENANCE_QUEUE, async () => {
    const limits = await purgeExpiredRateLimits(db(), config.login.windowSeconds);
    const beats = await purgeOldHeartbeats(db());
    logger.info({ rateLimitRows: limits, heartbeats: beats.count }, "maintenance done");
  });

  await beat(db(), workerId, startedAt);
  const timer = setInterval(() => {
    beat(db(), workerId, startedAt).catch((err) => logger.error({ err }, "heartbeat failed"));
  }, HEARTBEAT_INTERVAL_MS);
  logger.info({ workerId }, "worker started");

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "worker stopping");
    clearInterval(timer);
    await boss.stop({ graceful: true, wait: true, timeout: 10_000 }).catch((err) => logger.error({ err }, "pg-boss stop failed"));
    await forget(db(), workerId).catch(() => undefined);
    await db().$disconnect();
    logger.info("worker stopped");
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
}

main().catch((err) => {
  createLogger("worker").fatal({ err }, "worker failed to start");
  process.exit(1);
});
