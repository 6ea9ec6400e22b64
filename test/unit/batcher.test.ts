import { describe, expect, it } from "vitest";
import { AdaptiveBatchLimits, nextBatch, SHRINK_MS } from "../../lib/delivery/batcher";
import { requestBytes } from "../../lib/delivery/formats/wire-format";

const sized = (...sizes: number[]) => sizes.map((size) => ({ size }));
const limits = { maxEvents: 3, maxBytes: 1000, maxWaitMs: 200 };
const waiting = (waitedMs: number) => ({ waitedMs, flush: false });

describe("nextBatch", () => {
  it("sends one event per request in the EVENT format, without waiting", () => {
    expect(nextBatch("EVENT", sized(10, 10, 10), limits, waiting(0))).toEqual({ take: 1 });
  });

  it("has nothing to send from an empty queue", () => {
    expect(nextBatch("JSON_ARRAY", [], limits, waiting(1_000))).toBeNull();
  });

  it("sends a full batch at once: max_events reached", () => {
    expect(nextBatch("JSON_ARRAY", sized(10, 10, 10, 10), limits, waiting(0))).toEqual({ take: 3 });
  });

  it("sends as many as fit in max_bytes, counting brackets and separators of the whole body", () => {
    // [a,b] = 2 + 400 + 1 + 400 = 803; a third of 400 would make 1,204.
    expect(nextBatch("JSON_ARRAY", sized(400, 400, 400), limits, waiting(0))).toEqual({ take: 2 });
    // Exactly at the limit is allowed: [a,b] = 2 + 498 + 1 + 499 = 1,000.
    expect(requestBytes("JSON_ARRAY", 997, 2)).toBe(1000);
    expect(nextBatch("JSON_ARRAY", sized(498, 499, 1), limits, waiting(0))).toEqual({ take: 2 });
  });

  it("sends an event larger than max_bytes alone, and the others after it", () => {
    expect(nextBatch("NDJSON", sized(5000, 10, 10), limits, waiting(0))).toEqual({ take: 1 });
    expect(nextBatch("NDJSON", sized(10, 5000, 10), limits, waiting(0))).toEqual({ take: 1 });
  });

  it("lingers while a batch is not full, until its first event waited max_wait_ms", () => {
    expect(nextBatch("SPLUNK_HEC", sized(10, 10), limits, waiting(50))).toEqual({ waitMs: 150 });
    expect(nextBatch("SPLUNK_HEC", sized(10, 10), limits, waiting(200))).toEqual({ take: 2 });
    expect(nextBatch("SPLUNK_HEC", sized(10), { ...limits, maxWaitMs: 0 }, waiting(0))).toEqual({ take: 1 });
  });

  it("does not linger when flushing", () => {
    expect(nextBatch("JSON_ARRAY", sized(10), limits, { waitedMs: 0, flush: true })).toEqual({ take: 1 });
  });

  it("never builds a batch over max_events or max_bytes, whatever the sizes", () => {
    for (let round = 0; round < 500; round++) {
      const queue = sized(...Array.from({ length: 1 + Math.floor(Math.random() * 40) }, () => 1 + Math.floor(Math.random() * 300)));
      const l = { maxEvents: 1 + Math.floor(Math.random() * 20), maxBytes: 200 + Math.floor(Math.random() * 2000), maxWaitMs: 0 };
      const next = nextBatch("JSON_ARRAY", queue, l, waiting(0));
      if (!next || !("take" in next)) throw new Error("expected a batch");
      const taken = queue.slice(0, next.take);
      expect(next.take).toBeGreaterThanOrEqual(1);
      expect(next.take).toBeLessThanOrEqual(l.maxEvents);
      if (next.take > 1) expect(requestBytes("JSON_ARRAY", taken.reduce((s, q) => s + q.size, 0), next.take)).toBeLessThanOrEqual(l.maxBytes);
    }
  });
});

describe("AdaptiveBatchLimits", () => {
  const configured = { maxEvents: 1000, maxBytes: 5_000_000, maxWaitMs: 1000 };

  it("starts at the configured limits, capped by the intake's hard limit", () => {
    expect(new AdaptiveBatchLimits(configured).current(0)).toEqual(configured);
    expect(new AdaptiveBatchLimits({ ...configured, maxBytes: 5_242_880 }, 5_000_000).current(0).maxBytes).toBe(5_000_000);
  });

  it("halves events and bytes after a 413, again after another, and restores them 10 minutes after the last", () => {
    const l = new AdaptiveBatchLimits(configured);
    l.shrink(0);
    expect(l.current(1)).toEqual({ maxEvents: 500, maxBytes: 2_500_000, maxWaitMs: 1000 });
    expect(l.shrunk(1)).toBe(true);
    l.shrink(60_000);
    expect(l.current(60_001)).toEqual({ maxEvents: 250, maxBytes: 1_250_000, maxWaitMs: 1000 });
    expect(l.current(60_000 + SHRINK_MS - 1).maxEvents).toBe(250);
    expect(l.current(60_000 + SHRINK_MS)).toEqual(configured);
    expect(l.shrunk(60_000 + SHRINK_MS)).toBe(false);
  });

  it("never goes below one event and 1 KiB", () => {
    const l = new AdaptiveBatchLimits({ maxEvents: 4, maxBytes: 4096, maxWaitMs: 0 });
    for (let i = 0; i < 30; i++) l.shrink(0);
    expect(l.current(1)).toEqual({ maxEvents: 1, maxBytes: 1024, maxWaitMs: 0 });
  });
});
