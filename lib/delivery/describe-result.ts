import { STATUS_CODES } from "node:http";
import type { SendResult } from "./http-client";

/** One sentence an admin can act on. */
export function describeResult(r: SendResult): string | null {
  if (r.ok) return null;
  if (r.error) return r.error.message;
  const reason = r.status !== null ? STATUS_CODES[r.status] : undefined;
  return `The destination answered ${r.status}${reason ? ` ${reason}` : ""}; only a 2xx answer counts as success.`;
}
