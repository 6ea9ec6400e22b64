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

export type NamedValue = { name: string; value: string };

/**
 * What one attempt sends: the bytes on the wire, the text HMAC signs (the uncompressed payload, so
 * a compressed batch is signed over what the receiver gets after decoding), and the headers that
 * describe those bytes (content type, and content encoding when compressed), names as shown to admins.
 */
export type RequestBody = { bytes: string | Uint8Array; signed: string; headers: readonly NamedValue[] };

export const JSON_BODY_HEADERS: readonly NamedValue[] = [{ name: "Content-Type", value: "application/json" }];

/** One event (or any JSON text) as the body: sent and signed as is. */
export function jsonBody(text: string): RequestBody {
  return { bytes: text, signed: text, headers: JSON_BODY_HEADERS };
}

/** The configured parts of every request to a target: the URL with its query keys, and the static headers (names as configured). */
export function requestParts(target: DeliveryTarget): { url: URL; headers: NamedValue[]; query: NamedValue[] } {
  const url = new URL(target.url);
  const headers: NamedValue[] = [{ name: "User-Agent", value: USER_AGENT }];
  const query: NamedValue[] = [];
  if (target.auth.type === "API_KEY") {
    for (const k of target.auth.keys) (k.addTo === "QUERY" ? query : headers).push({ name: k.key, value: k.value });
  }
  for (const q of query) url.searchParams.append(q.name, q.value);
  return { url, headers, query };
}

/** Every secret value of a target, for redacting what a destination echoes back. */
function targetSecrets(target: DeliveryTarget): string[] {
  if (target.auth.type === "API_KEY") return target.auth.keys.map((k) => k.value);
  if (target.auth.type === "HMAC") return [...target.auth.secrets];
  return [];
}

export type PreparedTarget = {
  url: URL;
  headers: Readonly<Record<string, string>>;
  hmacSecrets: readonly string[];
  /** Values to redact from anything a destination answers. */
  secrets: readonly string[];
};

/** What is the same for every request to a target: the URL with its query keys, the static headers, the secrets. */
export function prepareTarget(target: DeliveryTarget): PreparedTarget {
  const { url, headers } = requestParts(target);
  return {
    url,
    headers: Object.fromEntries(headers.map((h) => [h.name.toLowerCase(), h.value])),
    hmacSecrets: target.auth.type === "HMAC" ? target.auth.secrets : [],
    secrets: targetSecrets(target),
  };
}

/** The URL and headers of one attempt to send `body`: the HMAC timestamp and signatures are per attempt. */
export function requestFor(prepared: PreparedTarget, body: RequestBody, now: Date = new Date()): { url: URL; headers: Record<string, string> } {
  const headers: Record<string, string> = {};
  for (const h of body.headers) headers[h.name.toLowerCase()] = h.value;
  Object.assign(headers, prepared.headers);
  if (prepared.hmacSecrets.length > 0) {
    const timestamp = String(Math.floor(now.getTime() / 1000));
    headers[TIMESTAMP_HEADER.toLowerCase()] = timestamp;
    headers[SIGNATURE_HEADER.toLowerCase()] = signatureHeaderValue(prepared.hmacSecrets, timestamp, body.signed);
  }
  return { url: prepared.url, headers };
}
