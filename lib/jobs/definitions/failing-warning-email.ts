import { z } from "zod";
import { defineJob, type JobContext } from "../job";

/** The warning to a connection's admins that its deliveries have been failing for a while; a failed send throws and pg-boss retries it. */
export const failingWarningEmailJob = defineJob({
  name: "failing-warning-email",
  schema: z.object({ connectionId: z.uuid(), failingSince: z.iso.datetime() }),
  send: { retryLimit: 8, retryBackoff: true },
  async handler(data, ctx: Pick<JobContext, "pool" | "mailer" | "config">) {
    const { loadFailingNotice } = await import("../../health/failing-warning");
    const { failingEmail } = await import("../../notifications/failing-email");
    const loaded = await loadFailingNotice(ctx.pool, data);
    if (!loaded || loaded.to.length === 0) return;
    await ctx.mailer.send(failingEmail({ ...loaded.notice, autoDisableAfterMs: ctx.config.delivery.health.outageMs, appUrl: ctx.config.appUrl }, loaded.to));
  },
});
