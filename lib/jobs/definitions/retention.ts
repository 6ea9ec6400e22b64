import { z } from "zod";
import { defineJob, type JobContext } from "../job";

/** Drops what is past the 30-day retention, daily at 03:40 UTC. */
export const retentionJob = defineJob({
  name: "retention",
  schema: z.unknown(),
  schedule: { cron: () => "40 3 * * *" },
  async handler(_data, ctx: Pick<JobContext, "pool" | "logger">) {
    const { purgeExpired } = await import("../../failures/retention");
    const purged = await purgeExpired(ctx.pool);
    ctx.logger.info(purged, "dropped failed deliveries and events past the 30-day retention");
  },
});
