import { redactSecrets } from "../crypto/redact-secrets";
import { type PreparedTarget, type RequestBody, requestFor } from "./delivery-request";
import { describeResult } from "./describe-result";
import type { DeliveryHttpClient, FailureKind } from "./http-client";
import { classifyResult, parseRetryAfter } from "./retry-policy";

/** The longest excerpt of an answer kept anywhere (failed-deliveries list, redelivery, test result), counted after redaction. */
export const EXCERPT_CHARS = 1_000;

/** What became of one request, with every secret of the target redacted. */
export type AttemptVerdict = {
  /** `ok`: a 2xx; `retry`: worth trying again (network error, timeout, 408, 429, 5xx); `reject`: a final answer. */
  outcome: "ok" | "retry" | "reject";
  status: number | null;
  /** One sentence an admin can act on; null on success. */
  error: string | null;
  errorKind: FailureKind | null;
  /** The start of the answer; null when there was none or it was not read. */
  excerpt: string | null;
  latencyMs: number;
  /** The destination's Retry-After in milliseconds from the attempt, or null. */
  retryAfterMs: number | null;
};

export type AttemptOptions = {
  /** When the attempt is made (the HMAC timestamp); now by default. */
  at?: Date;
  /** Read a 2xx answer's body for the excerpt too (the test event shows it; streaming needs only the status). */
  readSuccessBody?: boolean;
};

/**
 * The one delivery attempt every path makes (the stream, redelivery, the test event): builds the
 * request for `body`, sends it through the guarded client, classifies the answer and redacts it.
 */
export async function attempt(http: DeliveryHttpClient, target: PreparedTarget, body: RequestBody, options: AttemptOptions = {}): Promise<AttemptVerdict> {
  const at = options.at ?? new Date();
  const { url, headers } = requestFor(target, body, at);
  const result = await http.post(url, headers, body.bytes, { excerptOnSuccess: options.readSuccessBody ?? false });
  const verdict = classifyResult(result);
  return {
    outcome: verdict === "delivered" ? "ok" : verdict,
    status: result.status,
    error: redactSecrets(describeResult(result), target.secrets),
    errorKind: result.error?.kind ?? null,
    // Redact before shortening: cutting first could leave the start of a secret that no longer matches whole.
    excerpt: redactSecrets(result.responseExcerpt, target.secrets)?.slice(0, EXCERPT_CHARS) ?? null,
    latencyMs: result.latencyMs,
    retryAfterMs: parseRetryAfter(result.retryAfter, at),
  };
}
