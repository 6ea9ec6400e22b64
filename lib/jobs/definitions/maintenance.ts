import { z } from "zod";
import { defineJob, type JobContext } from "../job";

/** Hourly housekeeping: expired rate-limit counters, old heartbeats, and redeliveries left without a job. */
export const maintenanceJob = defineJob({
  name: "maintenance",
  schema: z.unknown(),
  schedule: { cron: () => "17 * * * *" },
  async handler(_data, ctx: Pick<JobContext, "pool" | "boss" | "config" | "logger">) {
    const { purgeExpiredRateLimits } = await import("../../auth/rate-limit");
    const { purgeOldHeartbeats } = await import("../../worker-heartbeat");
    const { requeueStalledRedeliveries } = await import("../../delivery/redelivery-runner");
    const limits = await purgeExpiredRateLimits(ctx.pool, ctx.config.login.windowSeconds);
    const beats = await purgeOldHeartbeats(ctx.pool);
    const requeued = await requeueStalledRedeliveries(ctx.pool, ctx.boss);
    ctx.logger.info({ rateLimitRows: limits, heartbeats: beats, requeuedRedeliveries: requeued }, "maintenance done");
  },
});
