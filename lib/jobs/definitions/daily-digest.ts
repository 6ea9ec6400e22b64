import { z } from "zod";
import { defineJob, type JobContext } from "../job";

/** The daily failure digest, at `DIGEST_CRON` (UTC). */
export const dailyDigestJob = defineJob({
  name: "daily-digest",
  schema: z.unknown(),
  queue: { retryLimit: 5, retryBackoff: true },
  schedule: { cron: (config) => config.digestCron, tz: "UTC" },
  async handler(_data, ctx: Pick<JobContext, "pool" | "mailer" | "config" | "logger">) {
    const { sendDailyDigests } = await import("../../notifications/daily-digest");
    const sent = await sendDailyDigests(ctx.pool, ctx.mailer, ctx.config.appUrl);
    ctx.logger.info({ sent }, "daily failure digests sent");
  },
});
