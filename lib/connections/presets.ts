import type { ConnectionFormValues } from "./schemas";

// Presets prefill the connection form; the admin still sees and can edit every value sent. Each
// knows its intake: the format it parses, the request limits it documents, and whether it wants gzip.

export type PresetId = "datadog" | "sumo" | "splunk" | "runreveal" | "custom";

export const DATADOG_SITES = [
  { id: "US1", domain: "datadoghq.com" },
  { id: "US3", domain: "us3.datadoghq.com" },
  { id: "US5", domain: "us5.datadoghq.com" },
  { id: "EU1", domain: "datadoghq.eu" },
  { id: "AP1", domain: "ap1.datadoghq.com" },
  { id: "AP2", domain: "ap2.datadoghq.com" },
  { id: "US1-FED", domain: "ddog-gov.com" },
] as const;

export type DatadogSite = (typeof DATADOG_SITES)[number]["id"];

/** Datadog's Logs API intake for a site (https://docs.datadoghq.com/api/latest/logs/). */
export function datadogLogsUrl(site: DatadogSite): string {
  const domain = DATADOG_SITES.find((s) => s.id === site)?.domain ?? "datadoghq.com";
  return `https://http-intake.logs.${domain}/api/v2/logs`;
}

/** Datadog keeps logs whose timestamp is at most 18 hours old; older ones are dropped. */
export const DATADOG_MAX_EVENT_AGE_SECONDS = 18 * 3600;

/** Sumo Logic's `Authorization` header value for an access id and key. */
export function sumoBasicAuth(accessId: string, accessKey: string): string {
  const bytes = new TextEncoder().encode(`${accessId}:${accessKey}`);
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return `Basic ${btoa(binary)}`;
}

export type SplunkDeployment = { kind: "cloud"; stack: string } | { kind: "server"; host: string; port: string };

/**
 * Splunk HEC's event endpoint: Splunk Cloud Platform's `http-inputs-<stack>.splunkcloud.com` (port 443), or
 * a Splunk Enterprise host and its HEC port (8088 by default). Empty when the host is not entered yet.
 */
export function splunkHecUrl(d: SplunkDeployment): string {
  if (d.kind === "cloud") {
    const stack = d.stack.trim().replace(/^https?:\/\//, "").replace(/\.splunkcloud\.com.*$/, "").replace(/^http-inputs-/, "");
    return stack ? `https://http-inputs-${stack}.splunkcloud.com/services/collector/event` : "";
  }
  const host = d.host.trim().replace(/^https?:\/\//, "").replace(/[/:].*$/, "");
  if (!host) return "";
  const port = d.port.trim() || "8088";
  return `https://${host}${port === "443" ? "" : `:${port}`}/services/collector/event`;
}

/** Splunk HEC's `Authorization` header value for a token. */
export const splunkAuthorization = (token: string) => (token.trim() ? `Splunk ${token.trim()}` : "");

/** A form's starting values: the seed's behaviour (one event per POST, no batching, no compression, every type). */
export function formDefaults(overrides: Partial<ConnectionFormValues> = {}): ConnectionFormValues {
  return {
    name: "",
    url: "",
    auth: { type: "NONE", keys: [] },
    format: "EVENT",
    batch: { max_events: "500", max_bytes: "1000000", max_wait_ms: "1000" },
    compression: "NONE",
    event_filter: { include: [], exclude: [] },
    max_event_age_seconds: "",
    ...overrides,
  };
}

export type Preset = {
  id: PresetId;
  label: string;
  description: string;
  /** What the preset chose and why, in plain words (shown in the form). */
  explains: string;
  values: ConnectionFormValues;
};

export const PRESETS: Preset[] = [
  {
    id: "datadog",
    label: "Datadog",
    description: "Logs API with your DD-API-KEY; batched and gzipped.",
    explains:
      "Datadog's Logs API takes a JSON array of up to 1,000 logs and 5 MB per request and recommends gzip, so events go in arrays of up to 1,000, compressed. It drops logs older than 18 hours: after a pause, Tributary skips what is older (listed under Failed deliveries) instead of sending what Datadog would discard.",
    values: formDefaults({
      name: "Datadog",
      url: datadogLogsUrl("US1"),
      auth: {
        type: "API_KEY",
        keys: [
          { key: "DD-API-KEY", value: "", add_to: "HEADER" },
          { key: "ddtags", value: "source:tributary", add_to: "QUERY" },
          { key: "ddsource", value: "tributary", add_to: "QUERY" },
        ],
      },
      format: "JSON_ARRAY",
      batch: { max_events: "1000", max_bytes: "5000000", max_wait_ms: "1000" },
      compression: "GZIP",
      max_event_age_seconds: String(DATADOG_MAX_EVENT_AGE_SECONDS),
    }),
  },
  {
    id: "sumo",
    label: "Sumo Logic",
    description: "HTTP source with an access key; one event per line, gzipped.",
    explains:
      "A Sumo Logic HTTP source splits what it receives into messages at line breaks and asks for requests of 100 KB to 1 MB, gzip accepted: events go one per line (NDJSON), up to 1 MB per request, compressed.",
    values: formDefaults({
      name: "Sumo Logic",
      auth: { type: "API_KEY", keys: [{ key: "Authorization", value: "", add_to: "HEADER" }] },
      format: "NDJSON",
      batch: { max_events: "1000", max_bytes: "1000000", max_wait_ms: "1000" },
      compression: "GZIP",
    }),
  },
  {
    id: "splunk",
    label: "Splunk HEC",
    description: "HTTP Event Collector with a token; HEC envelopes, batched.",
    explains:
      "Splunk's HTTP Event Collector takes several {\"event\": …} envelopes in one request, with Authorization: Splunk <token>. Each event goes in an envelope with its time and the sourcetype opal:event, up to 1,000 and 1 MB per request, gzipped. When Splunk names the event it refused, only that one is set aside.",
    values: formDefaults({
      name: "Splunk",
      auth: { type: "API_KEY", keys: [{ key: "Authorization", value: "", add_to: "HEADER" }] },
      format: "SPLUNK_HEC",
      batch: { max_events: "1000", max_bytes: "1000000", max_wait_ms: "1000" },
      compression: "GZIP",
    }),
  },
  {
    id: "runreveal",
    label: "RunReveal",
    description: "Opal webhook source; sign requests with HMAC.",
    explains:
      "RunReveal's Opal source verifies the HMAC signature and reads one event per request, or one per line (NDJSON) to send many at once; both are signed the same way.",
    values: formDefaults({ name: "RunReveal", auth: { type: "HMAC", keys: [] } }),
  },
  {
    id: "custom",
    label: "Custom webhook",
    description: "Any HTTPS endpoint that accepts JSON POSTs.",
    explains: "By default one event per POST, exactly as Opal sends it. Choose a batch format below if your endpoint takes several at once.",
    values: formDefaults(),
  },
];
