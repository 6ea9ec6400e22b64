import { describe, expect, it } from "vitest";
import { addHistogram, bucketOf, emptyHistogram, LATENCY_BOUNDS_MS, LATENCY_BUCKETS, percentile } from "../../lib/health/latency-histogram";

const histogramOf = (samples: number[]) => {
  const h = emptyHistogram();
  for (const s of samples) h[bucketOf(s)]!++;
  return h;
};

describe("the latency histogram", () => {
  it("puts a latency in the first bucket whose bound holds it, and the slowest in the last", () => {
    expect(bucketOf(0)).toBe(0);
    expect(bucketOf(1)).toBe(0);
    expect(bucketOf(1.5)).toBe(1);
    expect(bucketOf(100)).toBe(LATENCY_BOUNDS_MS.indexOf(100));
    expect(bucketOf(101)).toBe(LATENCY_BOUNDS_MS.indexOf(150));
    expect(bucketOf(10 * 60_000)).toBe(LATENCY_BUCKETS - 1);
  });

  it("estimates percentiles within their bucket", () => {
    const samples = Array.from({ length: 1000 }, (_, i) => (i < 900 ? 12 : 400));
    const h = histogramOf(samples);
    const p50 = percentile(h, 50)!;
    const p95 = percentile(h, 95)!;
    expect(p50).toBeGreaterThan(10);
    expect(p50).toBeLessThanOrEqual(15);
    expect(p95).toBeGreaterThan(300);
    expect(p95).toBeLessThanOrEqual(500);
  });

  it("answers null without samples", () => {
    expect(percentile(emptyHistogram(), 50)).toBeNull();
  });

  it("merges minutes counted apart into the same answer as counting them together", () => {
    const a = Array.from({ length: 300 }, (_, i) => (i * 7) % 900);
    const b = Array.from({ length: 200 }, (_, i) => 20 + ((i * 13) % 3000));
    const merged = addHistogram(histogramOf(a), histogramOf(b));
    expect(merged).toEqual(histogramOf([...a, ...b]));
    expect(percentile(merged, 95)).toBe(percentile(histogramOf([...a, ...b]), 95));
  });
});
