import { authenticateBearer, type ApiPrincipal } from "../auth/api-tokens";
import type { Principal } from "../auth/principal";
import { requestMeta } from "./request-meta";
import { getConfig } from "../config";
import { db } from "../db/client";
import { databaseUnavailable } from "../db/unavailable";
import { AppError, errorBody } from "../errors";
import { log } from "../log";
import { apiLimits } from "./rate-limiter";

export function jsonError(err: AppError, headers?: HeadersInit): Response {
  const retryAfter = (err.details as { retry_after_seconds?: unknown } | undefined)?.retry_after_seconds;
  const all = new Headers(headers);
  if (err.code === "RATE_LIMITED" && typeof retryAfter === "number") all.set("Retry-After", String(retryAfter));
  return Response.json(errorBody(err), { status: err.status, headers: all });
}

/** Maps anything thrown to `{error:{code,message,details}}`; unexpected errors are logged and hidden. */
export function toErrorResponse(err: unknown): Response {
  if (err instanceof AppError) return jsonError(err);
  const down = databaseUnavailable(err);
  if (down) {
    log().warn({ err }, "database unavailable");
    return jsonError(down, { "Retry-After": "5" });
  }
  log().error({ err }, "unhandled API error");
  return jsonError(new AppError("INTERNAL", "Something went wrong on our side. It was logged; try again."));
}

type Handler<P> = (req: Request, ctx: { principal: ApiPrincipal; actor: Principal; params: P }) => Promise<Response>;

/**
 * Whose requests share a rate-limit bucket: one API token. (An operator acting for an
 * organization will be keyed by operator × organization.)
 */
export function rateLimitKey(principal: ApiPrincipal): string {
  return `token:${principal.tokenId}`;
}

function checkRateLimit(principal: ApiPrincipal, bucket: "api" | "ingest") {
  const config = getConfig();
  const taken = apiLimits(config)[bucket].take(rateLimitKey(principal));
  if (!taken.ok) {
    const limit = bucket === "api" ? config.rateLimits.apiPerMinute : config.rateLimits.ingestPerMinute;
    throw new AppError("RATE_LIMITED", `Too many requests: this token may make ${limit} ${bucket === "ingest" ? "publish " : ""}requests a minute. Retry after ${taken.retryAfterSeconds} s.`, {
      retry_after_seconds: taken.retryAfterSeconds,
      limit_per_minute: limit,
    });
  }
}

/**
 * Wraps a `/api/v1` route: requires an admin Bearer token, applies the token's rate limit
 * (`ingest` for publishing, `api` for everything else), turns errors into JSON.
 */
export function apiRoute<P = Record<string, string | string[]>>(handler: Handler<P>, options: { rateLimit?: "api" | "ingest" } = {}) {
  return async (req: Request, ctx: { params: Promise<P> }): Promise<Response> => {
    try {
      const principal = await authenticateBearer(db(), req.headers.get("authorization"));
      checkRateLimit(principal, options.rateLimit ?? "api");
      const actor: Principal = { organizationId: principal.organizationId, user: principal.user, ...requestMeta(req.headers) };
      return await handler(req, { principal, actor, params: await ctx.params });
    } catch (err) {
      return toErrorResponse(err);
    }
  };
}

/** Reads a JSON body with a size cap; malformed JSON is a 400 with a clear message. */
export async function readJson(req: Request, maxBytes = 1024 * 1024): Promise<unknown> {
  const type = req.headers.get("content-type") ?? "";
  if (!/^application\/([\w.+-]+\+)?json\b/i.test(type)) {
    throw new AppError("UNSUPPORTED_MEDIA_TYPE", "Send the body as JSON with `Content-Type: application/json`.");
  }
  const tooLarge = () => new AppError("PAYLOAD_TOO_LARGE", `The body is larger than ${maxBytes} bytes.`, { max_bytes: maxBytes });
  if (Number(req.headers.get("content-length") ?? "0") > maxBytes) throw tooLarge();
  // Read with a running count, so a chunked body without a length cannot fill memory.
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (req.body) {
    const reader = req.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        await reader.cancel().catch(() => undefined);
        throw tooLarge();
      }
      chunks.push(value);
    }
  }
  const text = Buffer.concat(chunks).toString("utf8");
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new AppError("INVALID_JSON", `The body is not valid JSON: ${(err as Error).message}`);
  }
}
