import type { z } from "zod";
import type { JobContext, JobDefinition } from "./job";
import { autoDisabledEmailJob } from "./definitions/auto-disabled-email";
import { dailyDigestJob } from "./definitions/daily-digest";
import { failingWarningEmailJob } from "./definitions/failing-warning-email";
import { maintenanceJob } from "./definitions/maintenance";
import { redeliveryJob } from "./definitions/redelivery";
import { retentionJob } from "./definitions/retention";

/** Every background job; the worker creates, schedules and works each of them. */
export const JOBS: readonly JobDefinition<z.ZodType, JobContext>[] = [maintenanceJob, retentionJob, dailyDigestJob, autoDisabledEmailJob, failingWarningEmailJob, redeliveryJob];
