import ipaddr from "ipaddr.js";
import { AppError } from "../errors";
import type { AllowList } from "./outbound-guard";

// Events, API keys and signatures travel in the request: over plain http:// anyone on the path
// reads them. Plain HTTP is therefore only for destinations inside ranges the operator listed
// in OUTBOUND_ALLOW_CIDRS (a receiver on the same host or private network, as in tests).

function inAllowList(address: string, allow: AllowList): boolean {
  if (!ipaddr.isValid(address)) return false;
  let ip = ipaddr.parse(address);
  if (ip.kind() === "ipv6" && (ip as ipaddr.IPv6).isIPv4MappedAddress()) ip = (ip as ipaddr.IPv6).toIPv4Address();
  return allow.some(([range, bits]) => ip.kind() === range.kind() && ip.match(range as never, bits));
}

/** An http:// destination whose addresses are not all in the allow list is refused; https:// always passes. */
export function insecureDestination(url: URL, addresses: readonly string[], allow: AllowList): AppError | null {
  if (url.protocol !== "http:") return null;
  if (addresses.length > 0 && addresses.every((a) => inAllowList(a, allow))) return null;
  return new AppError(
    "INSECURE_DESTINATION",
    `Use https:// for ${url.hostname}: plain http:// would send events and credentials unencrypted. ` +
      "http:// is only allowed to addresses the operator lists in OUTBOUND_ALLOW_CIDRS.",
    { host: url.hostname, addresses },
  );
}
