import { CLIENT_ADDRESS_HEADER, servedByTributary } from "./client-address";

type HeaderSource = { get(name: string): string | null } | Record<string, unknown> | undefined;

function header(headers: HeaderSource, name: string): string | null {
  if (!headers) return null;
  if (typeof (headers as { get?: unknown }).get === "function") return (headers as { get(n: string): string | null }).get(name);
  const v = (headers as Record<string, unknown>)[name];
  return typeof v === "string" ? v : null;
}

/**
 * The client's IP, as Tributary's web server resolved it from the socket and TRUST_PROXY_HOPS
 * (never a client-supplied X-Forwarded-For), and the user agent.
 */
export function requestMeta(headers: HeaderSource) {
  const ipAddress = servedByTributary() ? header(headers, CLIENT_ADDRESS_HEADER) || null : null;
  return { ipAddress, userAgent: header(headers, "user-agent") };
}

/** Where a request came from: the audit event's actor IP address and user agent. */
export type RequestMeta = { ipAddress: string | null; userAgent: string | null };
