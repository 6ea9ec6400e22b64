import type { ActionResult } from "@/lib/api/action-result";
import type { TestOutcome } from "@/lib/connections/destination-test";

export type { ActionResult, TestOutcome };
export type SaveResult = ActionResult<{ id?: string; hmacSecret: string | null; test: TestOutcome | null }>;
