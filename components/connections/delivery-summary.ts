import type { ConnectionDto } from "@/lib/connections/dto";

const SHORT = { EVENT: "One event per POST", JSON_ARRAY: "JSON array", NDJSON: "NDJSON", SPLUNK_HEC: "Splunk HEC" } as const;

/** "JSON array of ≤ 1,000 · gzip · filtered": how a connection sends, in a few words for lists. */
export function deliverySummary(c: Pick<ConnectionDto, "format" | "batch" | "compression" | "event_filter">): string {
  const parts: string[] = [c.format === "EVENT" ? SHORT.EVENT : `${SHORT[c.format]} of ≤ ${c.batch.max_events.toLocaleString("en-US")}`];
  if (c.compression === "GZIP") parts.push("gzip");
  if (c.event_filter) parts.push("filtered");
  return parts.join(" · ");
}
