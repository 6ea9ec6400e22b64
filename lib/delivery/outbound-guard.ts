import dns from "node:dns";
import ipaddr from "ipaddr.js";
import { AppError } from "../errors";
import { insecureDestination } from "./secure-transport";

// Destinations are chosen by admins, so without a guard a connection could be aimed at the
// server's own network (cloud metadata, databases, admin ports). Only public unicast addresses
// are allowed, unless an operator lists a range in OUTBOUND_ALLOW_CIDRS.

export type AllowList = ReadonlyArray<[ipaddr.IPv4 | ipaddr.IPv6, number]>;

export function parseAllowList(cidrs: readonly string[]): AllowList {
  return cidrs.map((c) => {
    try {
      return ipaddr.parseCIDR(c);
    } catch {
      throw new Error(`OUTBOUND_ALLOW_CIDRS: "${c}" is not a CIDR such as 127.0.0.0/8 or ::1/128`);
    }
  });
}

function normalise(address: string): ipaddr.IPv4 | ipaddr.IPv6 {
  const parsed = ipaddr.parse(address);
  // ::ffff:10.0.0.1 is 10.0.0.1 on the wire.
  if (parsed.kind() === "ipv6" && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) return (parsed as ipaddr.IPv6).toIPv4Address();
  return parsed;
}

const v6 = (cidr: string) => ipaddr.parseCIDR(cidr) as [ipaddr.IPv6, number];
const ipv4At = (bytes: number[], offset: number) => new ipaddr.IPv4(bytes.slice(offset, offset + 4));

/**
 * IPv6 forms that carry an IPv4 address a packet may end up at: `forwards` says whether the form is
 * a working route to that IPv4 address (NAT64, SIIT), or a deprecated one that is refused anyway
 * (IPv4-compatible ::a.b.c.d, 6to4), in which case `form` names the refusal.
 */
const EMBEDDING: ReadonlyArray<{ range: [ipaddr.IPv6, number]; form: string; v4Offset: number; forwards: boolean }> = [
  { range: v6("64:ff9b::/96"), form: "rfc6052", v4Offset: 12, forwards: true }, // NAT64 well-known prefix
  { range: v6("64:ff9b:1::/48"), form: "rfc6052", v4Offset: 12, forwards: true }, // NAT64 local use (RFC 8215)
  { range: v6("::ffff:0:0:0/96"), form: "rfc6145", v4Offset: 12, forwards: true }, // SIIT IPv4-translated
  { range: v6("::/96"), form: "ipv4Compatible", v4Offset: 12, forwards: false },
  { range: v6("2002::/16"), form: "6to4", v4Offset: 2, forwards: false },
];

function embeddedIPv4(ip: ipaddr.IPv6) {
  // :: and ::1 sit inside ::/96 but are IPv6's own unspecified and loopback addresses.
  const range = ip.range();
  if (range === "unspecified" || range === "loopback") return null;
  const found = EMBEDDING.find((e) => ip.match(e.range));
  return found ? { ...found, v4: ipv4At(ip.toByteArray(), found.v4Offset) } : null;
}

function allowed(ip: ipaddr.IPv4 | ipaddr.IPv6, allow: AllowList): boolean {
  return allow.some(([range, bits]) => ip.kind() === range.kind() && ip.match(range as never, bits));
}

/**
 * Why an address is refused (its ipaddr.js range, e.g. "private", "loopback"), or null if allowed.
 * An IPv6 address that embeds an IPv4 one (::7f00:1, 64:ff9b::a9fe:a9fe, 2002:a00:1::) is judged
 * by the IPv4 address too, and named by its range.
 */
export function refusalReason(address: string, allow: AllowList): string | null {
  let ip: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    ip = normalise(address);
  } catch {
    return "not an IP address";
  }
  if (allowed(ip, allow)) return null;
  if (ip.kind() === "ipv6") {
    const embedded = embeddedIPv4(ip as ipaddr.IPv6);
    if (embedded) {
      const inner = refusalReason(embedded.v4.toString(), allow);
      if (inner) return inner;
      return embedded.forwards ? null : embedded.form;
    }
  }
  const range = ip.range();
  return range === "unicast" ? null : range;
}

export function destinationNotAllowed(host: string, address: string, reason: string): AppError {
  return new AppError(
    "DESTINATION_NOT_ALLOWED",
    `The destination ${host} resolves to ${address}, a ${reason} address. Tributary only sends to public addresses` +
      ` unless the operator allows the range in OUTBOUND_ALLOW_CIDRS.`,
    { host, address, range: reason },
  );
}

const stripBrackets = (host: string) => host.replace(/^\[(.*)\]$/, "$1");

/** Parses a destination URL: http or https only, no credentials in it. */
export function parseDestinationUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new AppError("VALIDATION_FAILED", "Enter a full URL such as https://logs.example.com/intake.", [
      { path: "url", message: "Not a valid URL." },
    ]);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new AppError("VALIDATION_FAILED", "Only http:// and https:// destinations are supported.", [
      { path: "url", message: "Use an http:// or https:// URL." },
    ]);
  }
  if (url.username || url.password) {
    throw new AppError("VALIDATION_FAILED", "Put credentials in the authorization settings, not in the URL.", [
      { path: "url", message: "Remove the user name and password from the URL; use API Key authorization instead." },
    ]);
  }
  return url;
}

/** Resolves the URL's host and refuses it if any address it resolves to is not allowed. */
export async function checkDestination(raw: string, allow: AllowList): Promise<{ url: URL; addresses: string[] }> {
  const url = parseDestinationUrl(raw);
  const host = stripBrackets(url.hostname);
  let addresses: string[];
  if (ipaddr.isValid(host)) {
    addresses = [host];
  } else {
    try {
      addresses = (await dns.promises.lookup(host, { all: true, verbatim: true })).map((a) => a.address);
    } catch (err) {
      throw new AppError("DESTINATION_NOT_ALLOWED", `The host ${host} could not be resolved (${(err as NodeJS.ErrnoException).code}). Check the URL.`, {
        host,
        error: (err as NodeJS.ErrnoException).code,
      });
    }
  }
  for (const address of addresses) {
    const reason = refusalReason(address, allow);
    if (reason) throw destinationNotAllowed(host, address, reason);
  }
  const insecure = insecureDestination(url, addresses, allow);
  if (insecure) throw insecure;
  return { url, addresses };
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | dns.LookupAddress[], family?: number) => void;

/**
 * A `lookup` for net/tls connect that applies the same rule to the address actually connected
 * to, so a DNS answer that changes after the save-time check (rebinding) is still refused.
 */
export function guardedLookup(allow: AllowList, lookup: typeof dns.lookup = dns.lookup) {
  return (hostname: string, options: dns.LookupOptions, callback: LookupCallback) => {
    lookup(hostname, { ...options, all: true }, (err, results) => {
      if (err) return callback(err, "");
      const list = results as dns.LookupAddress[];
      for (const r of list) {
        const reason = refusalReason(r.address, allow);
        if (reason) {
          const refusal = destinationNotAllowed(hostname, r.address, reason) as unknown as NodeJS.ErrnoException;
          return callback(refusal, "");
        }
      }
      if (options.all) return callback(null, list);
      const first = list[0];
      if (!first) return callback(Object.assign(new Error(`No address for ${hostname}`), { code: "ENOTFOUND" }), "");
      callback(null, first.address, first.family);
    });
  };
}
