import type { ConnectionFormValues } from "./schemas";

// Presets prefill the connection form; the admin still sees and can edit every value sent.

export type PresetId = "datadog" | "sumo" | "runreveal" | "custom";

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

/** Sumo Logic's `Authorization` header value for an access id and key. */
export function sumoBasicAuth(accessId: string, accessKey: string): string {
  const bytes = new TextEncoder().encode(`${accessId}:${accessKey}`);
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return `Basic ${btoa(binary)}`;
}

export const PRESETS: { id: PresetId; label: string; description: string; values: ConnectionFormValues }[] = [
  {
    id: "datadog",
    label: "Datadog",
    description: "Logs API with your DD-API-KEY; optional ddtags.",
    values: {
      name: "Datadog",
      url: datadogLogsUrl("US1"),
      auth: {
        type: "API_KEY",
        keys: [
          { key: "DD-API-KEY", value: "", add_to: "HEADER" },
          { key: "ddtags", value: "source:tributary", add_to: "QUERY" },
        ],
      },
    },
  },
  {
    id: "sumo",
    label: "Sumo Logic",
    description: "HTTP source URL with Basic authorization from an access key.",
    values: { name: "Sumo Logic", url: "", auth: { type: "API_KEY", keys: [{ key: "Authorization", value: "", add_to: "HEADER" }] } },
  },
  {
    id: "runreveal",
    label: "RunReveal",
    description: "Webhook source; sign requests with HMAC.",
    values: { name: "RunReveal", url: "", auth: { type: "HMAC", keys: [] } },
  },
  {
    id: "custom",
    label: "Custom webhook",
    description: "Any HTTPS endpoint that accepts JSON POSTs.",
    values: { name: "", url: "", auth: { type: "NONE", keys: [] } },
  },
];
