import { z } from "zod";
import { defineJob, type JobContext } from "../job";

/**
 * Hourly housekeeping: partitions of events and failed attempts created ahead, expired rate-limit
 * counters, old heartbeats, and redeliveries left without a job.
 */
export const maintenanceJob = defineJob({
  name: "maintenance",
  schema: z.unknown(),
  schedule: { cron: () => "17 * * * *" },
  async handler(_data, ctx: Pick<JobContext, "pool" | "boss" | "config" | "logger">) {
    const { upkeepPartitions } = await import("../../partitions");
    const { purgeExpiredRateLimits } = await import("../../auth/rate-limit");
    const { purgeOldHeartbeats } = await import("../../worker-heartbeat");
    const { requeueStalledRedeliveries } = await import("../../delivery/redelivery-runner");
    const partitions = await upkeepPartitions(ctx.pool);
    const limits = await purgeExpiredRateLimits(ctx.pool, ctx.config.login.windowSeconds);
    const beats = await purgeOldHeartbeats(ctx.pool);
    const requeued = await requeueStalledRedeliveries(ctx.pool, ctx.boss);
    ctx.logger.info({ partitionsCreated: partitions, rateLimitRows: limits, heartbeats: beats, requeuedRedeliveries: requeued }, "maintenance done");
  },
});
