import type pg from "pg";
import { z } from "zod";
import { parseOrThrow } from "../validation";
import { percentile } from "./latency-histogram";
import { statsBuckets } from "./stats-store";

/** Each chart window and the width of its buckets: 60 of a minute, 96 of 15 minutes, 168 of an hour. */
export const STATS_WINDOWS = {
  "1h": { ms: 3600_000, bucketSeconds: 60 },
  "24h": { ms: 24 * 3600_000, bucketSeconds: 900 },
  "7d": { ms: 7 * 24 * 3600_000, bucketSeconds: 3600 },
} as const;
export type StatsWindow = keyof typeof STATS_WINDOWS;

export const statsQuerySchema = z.object({
  window: z.enum(["1h", "24h", "7d"], { error: "window must be 1h, 24h or 7d" }).default("24h"),
});

export const connectionStatsSchema = z.object({
  window: z.enum(["1h", "24h", "7d"]),
  bucket_seconds: z.int(),
  buckets: z.array(
    z.object({
      start: z.iso.datetime(),
      delivered: z.int().meta({ description: "Events delivered (2xx) in the bucket" }),
      failed: z.int().meta({ description: "Failed attempts in the bucket (an event retried three times counts three)" }),
      p50_ms: z.int().nullable().meta({ description: "Median latency of the bucket's attempts (request → answer or error); null without attempts" }),
      p95_ms: z.int().nullable(),
    }),
  ),
});
export type ConnectionStatsDto = z.infer<typeof connectionStatsSchema>;

export function parseStatsQuery(params: Record<string, string | undefined>): StatsWindow {
  return parseOrThrow(statsQuerySchema, params).window;
}

/**
 * A connection's deliveries over a window, every bucket present (empty ones are zeros) and the last
 * one holding `now`. Read from the per-minute statistics only. The caller checks the connection is
 * the organization's.
 */
export async function connectionStats(db: Pick<pg.Pool, "query">, organizationId: string, connectionId: string, window: StatsWindow, now = new Date()): Promise<ConnectionStatsDto> {
  const { ms, bucketSeconds } = STATS_WINDOWS[window];
  const width = bucketSeconds * 1000;
  const count = ms / width;
  const last = now.getTime() - (now.getTime() % width);
  const first = last - (count - 1) * width;
  const rows = await statsBuckets(db, organizationId, connectionId, { from: new Date(first), until: new Date(last + width), bucketSeconds });
  const byStart = new Map(rows.map((r) => [r.start, r]));
  return {
    window,
    bucket_seconds: bucketSeconds,
    buckets: Array.from({ length: count }, (_, i) => {
      const start = first + i * width;
      const r = byStart.get(start);
      return {
        start: new Date(start).toISOString(),
        delivered: r?.delivered ?? 0,
        failed: r?.failed ?? 0,
        p50_ms: r ? percentile(r.latency, 50) : null,
        p95_ms: r ? percentile(r.latency, 95) : null,
      };
    }),
  };
}
