import ipaddr from "ipaddr.js";

/**
 * Set on every request by Tributary's web server (scripts/web-server.ts) from the socket, and
 * overwritten there whatever the client sent. Route handlers and server actions cannot see the
 * socket, and Next.js keeps a client's own X-Forwarded-For, so this header is how they learn
 * who is on the other end.
 */
export const CLIENT_ADDRESS_HEADER = "x-tributary-client-address";

// The web server marks the process, so a header that reached a bare `next start` (which would
// pass a client's forged value through) is never believed.
const SERVED_BY_TRIBUTARY = Symbol.for("tributary.web-server");

export function markServedByTributary(): void {
  (globalThis as Record<symbol, unknown>)[SERVED_BY_TRIBUTARY] = true;
}

export function servedByTributary(): boolean {
  return (globalThis as Record<symbol, unknown>)[SERVED_BY_TRIBUTARY] === true;
}

/** An address as written in X-Forwarded-For or by the socket, without port or brackets; null if not an IP. */
export function normaliseAddress(raw: string): string | null {
  let v = raw.trim();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(v);
  if (bracketed) v = bracketed[1]!;
  else if (/^\d{1,3}(\.\d{1,3}){3}:\d+$/.test(v)) v = v.slice(0, v.lastIndexOf(":"));
  if (!ipaddr.isValid(v)) return null;
  const ip = ipaddr.parse(v);
  // ::ffff:203.0.113.7 is how a dual-stack socket reports an IPv4 client.
  if (ip.kind() === "ipv6" && (ip as ipaddr.IPv6).isIPv4MappedAddress()) return (ip as ipaddr.IPv6).toIPv4Address().toString();
  return ip.toString();
}

/**
 * The client's address. The chain is X-Forwarded-For's entries followed by the socket's peer;
 * each trusted proxy appended the address it received from, so with `trustedHops` proxies in
 * front the client is `trustedHops` entries left of the end. Entries further left are whatever
 * the client wrote and are never used; an entry that is not an IP falls back to the proxy that
 * reported it.
 */
export function resolveClientAddress(peer: string | undefined, forwardedFor: string | string[] | undefined, trustedHops: number): string | null {
  const peerAddress = peer ? normaliseAddress(peer) : null;
  if (trustedHops <= 0) return peerAddress;
  const forwarded = (Array.isArray(forwardedFor) ? forwardedFor.join(",") : (forwardedFor ?? ""))
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const chain = [...forwarded, peer ?? ""];
  let address = peerAddress;
  // Walk left from the peer one trusted hop at a time.
  for (let i = chain.length - 2, hop = 0; i >= 0 && hop < trustedHops; i--, hop++) {
    const next = normaliseAddress(chain[i]!);
    if (!next) break;
    address = next;
  }
  return address;
}
