// How a connection's requests carry events (API.md › Delivery formats): one event per POST (the
// seed's), or a batch in the shape an intake takes. Pure: text in, text out, sizes counted in
// UTF-8 bytes of the uncompressed body (what batch.max_bytes bounds and HMAC signs).

export const DELIVERY_FORMATS = ["EVENT", "JSON_ARRAY", "NDJSON", "SPLUNK_HEC"] as const;
export type DeliveryFormat = (typeof DELIVERY_FORMATS)[number];

export const COMPRESSIONS = ["NONE", "GZIP"] as const;
export type Compression = (typeof COMPRESSIONS)[number];

/** The Splunk HEC envelope's sourcetype (API.md). */
export const HEC_SOURCETYPE = "opal:event";

/** What an encoder needs of an event: its wire JSON, and its time (for the HEC envelope). */
export type EncodableEvent = { body: string; event: { timestamp: string } };

export const isBatchFormat = (format: DeliveryFormat): boolean => format !== "EVENT";

export function contentType(format: DeliveryFormat): string {
  return format === "NDJSON" ? "application/x-ndjson" : "application/json";
}

/** Epoch seconds with milliseconds, as HEC's `time` takes it (e.g. 1729621231.622). */
export function hecTime(timestamp: string): string {
  const ms = Date.parse(timestamp);
  return (Number.isNaN(ms) ? Date.now() / 1000 : ms / 1000).toFixed(3);
}

const hecPrefix = (timestamp: string) => `{"time":${hecTime(timestamp)},"sourcetype":"${HEC_SOURCETYPE}","event":`;

type Framing = { open: string; close: string; separator: string };
const FRAMING: Record<DeliveryFormat, Framing> = {
  EVENT: { open: "", close: "", separator: "" },
  JSON_ARRAY: { open: "[", close: "]", separator: "," },
  // Every line ends with a newline, the last one too (NDJSON's rule; Sumo Logic splits on it).
  NDJSON: { open: "", close: "", separator: "" },
  // Concatenated envelopes, nothing between them (HEC's batch form).
  SPLUNK_HEC: { open: "", close: "", separator: "" },
};

/** One event as it appears inside a request of this format. */
export function frame(format: DeliveryFormat, e: EncodableEvent): string {
  if (format === "NDJSON") return `${e.body}\n`;
  if (format === "SPLUNK_HEC") return `${hecPrefix(e.event.timestamp)}${e.body}}`;
  return e.body;
}

/** Bytes an event adds to a request of this format besides its body's own (`bodyBytes`), separators excluded. */
export function frameOverhead(format: DeliveryFormat, e: EncodableEvent): number {
  if (format === "NDJSON") return 1;
  if (format === "SPLUNK_HEC") return hecPrefix(e.event.timestamp).length + 1;
  return 0;
}

/**
 * The size of a request holding events whose framed sizes (body bytes + frameOverhead) sum to
 * `framedBytes`, `count` of them: adds the format's brackets and separators.
 */
export function requestBytes(format: DeliveryFormat, framedBytes: number, count: number): number {
  const f = FRAMING[format];
  return f.open.length + f.close.length + framedBytes + (count > 1 ? (count - 1) * f.separator.length : 0);
}

/** The uncompressed body of one request: the events in order, in the format's shape. */
export function encode(format: DeliveryFormat, events: readonly EncodableEvent[]): string {
  if (format === "EVENT") {
    if (events.length !== 1) throw new Error(`the EVENT format sends exactly one event per request, not ${events.length}`);
    return events[0]!.body;
  }
  const f = FRAMING[format];
  if (format === "JSON_ARRAY") return `${f.open}${events.map((e) => e.body).join(f.separator)}${f.close}`;
  let text = "";
  for (const e of events) text += frame(format, e);
  return text;
}
