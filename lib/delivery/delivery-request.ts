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

export type PreparedTarget = { url: URL; headers: Readonly<Record<string, string>>; hmacSecrets: readonly string[] };

/** What is the same for every request to a target: the URL with its query keys, the static headers. */
export function prepareTarget(target: DeliveryTarget): PreparedTarget {
  const url = new URL(target.url);
  const headers: Record<string, string> = { "content-type": "application/json", "user-agent": USER_AGENT };
  if (target.auth.type === "API_KEY") {
    for (const k of target.auth.keys) {
      if (k.addTo === "QUERY") url.searchParams.append(k.key, k.value);
      else headers[k.key.toLowerCase()] = k.value;
    }
  }
  return { url, headers, hmacSecrets: target.auth.type === "HMAC" ? target.auth.secrets : [] };
}

/** The headers of one attempt: the HMAC timestamp and signatures are per attempt. */
export function attemptHeaders(prepared: PreparedTarget, body: string, now: Date = new Date()): Record<string, string> {
  if (prepared.hmacSecrets.length === 0) return prepared.headers as Record<string, string>;
  const timestamp = String(Math.floor(now.getTime() / 1000));
  return {
    ...prepared.headers,
    [TIMESTAMP_HEADER.toLowerCase()]: timestamp,
    [SIGNATURE_HEADER.toLowerCase()]: signatureHeaderValue(prepared.hmacSecrets, timestamp, body),
  };
}

/** The URL and headers of one delivery attempt of `body`; the timestamp is per attempt. */
export function buildDeliveryRequest(target: DeliveryTarget, body: string, now: Date = new Date()) {
  const prepared = prepareTarget(target);
  return { url: prepared.url, headers: attemptHeaders(prepared, body, now) };
}
