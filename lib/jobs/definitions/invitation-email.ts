import { z } from "zod";
import { defineJob, type JobContext } from "../job";

/**
 * Emails an invitation. The link's token is drawn here, when the email goes out, so it never sits in
 * the job queue; a retry (pg-boss, with backoff) draws a new one and the earlier link stops working.
 */
export const invitationEmailJob = defineJob({
  name: "invitation-email",
  schema: z.object({ invitationId: z.uuid() }),
  send: { retryLimit: 8, retryBackoff: true },
  async handler(data, ctx: Pick<JobContext, "pool" | "mailer" | "config">) {
    const { issueInvitationToken } = await import("../../members/invitation-delivery");
    const { invitationEmail } = await import("../../notifications/invitation-email");
    const issued = await issueInvitationToken(ctx.pool, data.invitationId);
    if (!issued) return;
    await ctx.mailer.send(invitationEmail(issued, ctx.config.appUrl));
  },
});
