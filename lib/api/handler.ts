import { type ApiPrincipal, authenticateBearer, type MeUser } from "../auth/api-tokens";
import { OPERATOR_AGENT, type Principal } from "../auth/principal";
import { resolveOrganization } from "../organizations/service";
import { type RequestMeta, requestMeta } from "./request-meta";
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

/** The organization a `/api/v1` request acts on, and through what. */
export type OrgPrincipal = {
  organizationId: string;
  organization: { id: string; name: string };
  /** ADMIN or PUBLISH: the token's scope; OPERATOR: the operator token with Tributary-Organization. */
  scope: "ADMIN" | "PUBLISH" | "OPERATOR";
  tokenId: string | null;
  /** The admin who created the token; null for the operator and tokens the operator created. */
  user: MeUser | null;
};

/** The header the operator names an organization with (its id or external_id). */
export const ORGANIZATION_HEADER = "Tributary-Organization";

type Limited = { kind: "token"; tokenId: string } | { kind: "operator"; organizationId: string | null };

/**
 * Whose requests share a rate-limit bucket: one API token; the operator per organization it acts
 * on (so one busy tenant does not use up the operator's budget for the others), and once more for
 * the organization routes themselves.
 */
export function rateLimitKey(principal: Limited): string {
  return principal.kind === "token" ? `token:${principal.tokenId}` : `operator:${principal.organizationId ?? "-"}`;
}

function checkRateLimit(principal: Limited, bucket: "api" | "ingest") {
  const config = getConfig();
  const taken = apiLimits(config)[bucket].take(rateLimitKey(principal));
  if (!taken.ok) {
    const limit = bucket === "api" ? config.rateLimits.apiPerMinute : config.rateLimits.ingestPerMinute;
    const who = principal.kind === "token" ? "this token" : principal.organizationId ? "the operator token, for this organization," : "the operator token";
    throw new AppError("RATE_LIMITED", `Too many requests: ${who} may make ${limit} ${bucket === "ingest" ? "publish " : ""}requests a minute. Retry after ${taken.retryAfterSeconds} s.`, {
      retry_after_seconds: taken.retryAfterSeconds,
      limit_per_minute: limit,
    });
  }
}

const authenticate = (req: Request) => authenticateBearer(db(), req.headers.get("authorization"), getConfig().operatorApiToken);

/** The organization a request acts on: the token's own, or the one the operator names in the header. */
async function organizationOf(req: Request, principal: ApiPrincipal, allowPublish: boolean): Promise<OrgPrincipal> {
  if (principal.kind === "token") {
    if (principal.scope === "PUBLISH" && !allowPublish) {
      throw new AppError("FORBIDDEN", "This token's scope is PUBLISH: it may only publish events (POST /api/v1/events). Use an ADMIN token for anything else.");
    }
    const { organization, scope, tokenId, user } = principal;
    return { organizationId: organization.id, organization, scope, tokenId, user };
  }
  const ref = req.headers.get(ORGANIZATION_HEADER);
  if (!ref?.trim()) {
    throw new AppError("ORGANIZATION_REQUIRED", `With the operator token, name the organization to act on in the ${ORGANIZATION_HEADER} header (its id or external_id).`);
  }
  const organization = await resolveOrganization(db(), ref);
  return { organizationId: organization.id, organization, scope: "OPERATOR", tokenId: null, user: null };
}

function actorFor(req: Request, principal: ApiPrincipal, organizationId: string): Principal {
  const meta = requestMeta(req.headers);
  if (principal.kind === "operator") return { organizationId, user: null, agent: OPERATOR_AGENT, ...meta };
  if (principal.user) return { organizationId, user: { id: principal.user.id, email: principal.user.email, name: principal.user.name }, ...meta };
  return { organizationId, user: null, agent: `API token “${principal.tokenName}”`, ...meta };
}

type OrgHandler<P> = (req: Request, ctx: { principal: OrgPrincipal; actor: Principal; params: P }) => Promise<Response>;

/**
 * Wraps an organization's `/api/v1` route: an ADMIN token of the organization, or the operator
 * token with the Tributary-Organization header; PUBLISH tokens only where `publish` allows them
 * (publishing). Applies the caller's rate limit (`ingest` for publishing, `api` for everything
 * else) and turns errors into JSON.
 */
export function apiRoute<P = Record<string, string | string[]>>(handler: OrgHandler<P>, options: { rateLimit?: "api" | "ingest"; publish?: boolean } = {}) {
  return async (req: Request, ctx: { params: Promise<P> }): Promise<Response> => {
    try {
      const principal = await authenticate(req);
      const org = await organizationOf(req, principal, options.publish ?? false);
      checkRateLimit(principal.kind === "token" ? principal : { kind: "operator", organizationId: org.organizationId }, options.rateLimit ?? "api");
      return await handler(req, { principal: org, actor: actorFor(req, principal, org.organizationId), params: await ctx.params });
    } catch (err) {
      return toErrorResponse(err);
    }
  };
}

type OperatorHandler<P> = (req: Request, ctx: { meta: RequestMeta; params: P }) => Promise<Response>;

/** Wraps an operator route (`/api/v1/organizations…`): the operator token only. */
export function operatorRoute<P = Record<string, string | string[]>>(handler: OperatorHandler<P>) {
  return async (req: Request, ctx: { params: Promise<P> }): Promise<Response> => {
    try {
      const principal = await authenticate(req);
      if (principal.kind !== "operator") {
        throw new AppError("FORBIDDEN", "Only the operator token (OPERATOR_API_TOKEN) may manage organizations; an organization's API token acts on its own organization only.");
      }
      checkRateLimit({ kind: "operator", organizationId: null }, "api");
      return await handler(req, { meta: requestMeta(req.headers), params: await ctx.params });
    } catch (err) {
      return toErrorResponse(err);
    }
  };
}

/** Wraps a route any authenticated caller may reach (the JSON 404 of unknown paths). */
export function authenticatedRoute(handler: (req: Request) => Promise<Response>) {
  return async (req: Request): Promise<Response> => {
    try {
      await authenticate(req);
      return await handler(req);
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
