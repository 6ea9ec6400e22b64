import { SIGNATURE_HEADER, signatureHeaderValue, TIMESTAMP_HEADER } from "./hmac-signature";

/** A connection with its secrets opened: everything needed to build a request. */
export type DeliveryTarget = {
  url: string;
  auth:
    | { type: "NONE" }
    | { type: "API_KEY"; keys: ReadonlyArray<{ key: string; value: string; addTo: "HEADER" | "QUERY" }> }
    | { type: "HMAC"; secrets: readonly string[] };
};

export const USER_AGENT = "Tributary-Event-Streaming/1.0";

/** The URL and headers of one delivery attempt of `body`; the timestamp is per attempt. */
export function buildDeliveryRequest(target: DeliveryTarget, body: string, now: Date = new Date()) {
  const url = new URL(target.url);
  const headers: Record<string, string> = { "content-type": "application/json", "user-agent": USER_AGENT };
  if (target.auth.type === "API_KEY") {
    for (const k of target.auth.keys) {
      if (k.addTo === "QUERY") url.searchParams.append(k.key, k.value);
      else headers[k.key.toLowerCase()] = k.value;
    }
  } else if (target.auth.type === "HMAC") {
    const timestamp = String(Math.floor(now.getTime() / 1000));
    headers[TIMESTAMP_HEADER.toLowerCase()] = timestamp;
    headers[SIGNATURE_HEADER.toLowerCase()] = signatureHeaderValue(target.auth.secrets, timestamp, body);
  }
  return { url, headers };
}
