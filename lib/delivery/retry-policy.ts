import type { SendResult } from "./http-client";

export type Verdict = "delivered" | "retry" | "reject";

/**
 * 2xx delivers; network errors, timeouts, answers cut off (whatever their status), 408, 429 and 5xx
 * are worth retrying; other complete answers are final.
 */
export function classifyResult(r: Pick<SendResult, "ok" | "status" | "error">): Verdict {
  if (r.ok) return "delivered";
  if (r.error || r.status === null) return "retry";
  if (r.status === 408 || r.status === 429 || r.status >= 500) return "retry";
  return "reject";
}

/** Retry-After as milliseconds (delta-seconds or an HTTP date), or null. */
export function parseRetryAfter(value: string | null, now: Date): number | null {
  if (!value) return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? null : Math.max(0, at - now.getTime());
}

export type BackoffOptions = { baseMs: number; maxMs: number };

/**
 * Delay before retry number `attempt` (1 = first retry): exponential with equal jitter, capped,
 * and never shorter than the destination's Retry-After (itself capped at the maximum).
 */
export function nextRetryDelay(attempt: number, retryAfterMs: number | null, opts: BackoffOptions, random = Math.random): number {
  const ceiling = Math.min(opts.maxMs, opts.baseMs * 2 ** Math.min(attempt - 1, 30));
  const jittered = ceiling / 2 + random() * (ceiling / 2);
  const delay = retryAfterMs !== null ? Math.max(jittered, Math.min(retryAfterMs, opts.maxMs)) : jittered;
  return Math.round(delay);
}
