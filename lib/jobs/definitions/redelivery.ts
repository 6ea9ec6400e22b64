import { z } from "zod";
import { defineJob, type JobContext, sendJob } from "../job";

/**
 * Works one redelivery for up to a minute, then queues its continuation, so no job outlives its
 * five-minute expiry; a crashed run's job expires and is retried, resuming with the events still
 * pending. The key is the redelivery, under the `short` policy: at most one job per redelivery
 * waits in the queue (a second send is a no-op), while a run still in progress may queue the next.
 * (`stately` would also refuse a waiting job beside an active one, and pg-boss 10 stalls a whole
 * queue whose next job cannot become active; runs never overlap anyway: each holds the
 * redelivery's advisory lock.)
 */
export const redeliveryJob = defineJob({
  name: "redelivery",
  schema: z.object({ redeliveryId: z.uuid() }),
  singletonKey: (data) => data.redeliveryId,
  queue: { policy: "short", retryLimit: 20, retryDelay: 5, expireInSeconds: 300 },
  work: { pollingIntervalSeconds: 1 },
  async handler(data, ctx: Pick<JobContext, "boss" | "logger" | "redelivery">) {
    const { runRedelivery } = await import("../../delivery/redelivery-runner");
    const outcome = await runRedelivery(ctx.redelivery, data.redeliveryId);
    ctx.logger.info({ redeliveryId: data.redeliveryId, outcome }, "redelivery run ended");
    if (outcome === "continue") await sendJob(ctx.boss, redeliveryJob, data);
  },
});
