import { z } from "zod";
import { defineJob, type JobContext } from "../job";

/** The email to a connection's admins after it was auto-disabled; a failed send throws and pg-boss retries it with backoff. */
export const autoDisabledEmailJob = defineJob({
  name: "auto-disabled-email",
  schema: z.object({ connectionId: z.uuid(), disabledAt: z.iso.datetime() }),
  send: { retryLimit: 8, retryBackoff: true },
  async handler(data, ctx: Pick<JobContext, "pool" | "mailer" | "config">) {
    const { loadAutoDisabledNotice } = await import("../../delivery/auto-disable");
    const { autoDisabledEmail } = await import("../../notifications/auto-disabled-email");
    const loaded = await loadAutoDisabledNotice(ctx.pool, data);
    if (!loaded || loaded.to.length === 0) return;
    await ctx.mailer.send(autoDisabledEmail({ ...loaded.notice, appUrl: ctx.config.appUrl }, loaded.to));
  },
});
