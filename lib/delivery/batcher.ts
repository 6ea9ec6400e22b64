import { type DeliveryFormat, requestBytes } from "./formats/wire-format";

// Batch assembly for one connection (pure): how many queued events the next request takes, or how
// long to linger for more. The streamer acts on the answer.

export type BatchLimits = { maxEvents: number; maxBytes: number; maxWaitMs: number };

/** A queued event's size inside a request: its body's bytes plus the format's framing of it. */
export type Sized = { size: number };

/**
 * The next request's events, counted from the front of `queue`: as many as fit in `maxEvents` and
 * `maxBytes` (the whole uncompressed body, brackets and separators included), but at least one, so an
 * event larger than `maxBytes` goes alone. A batch that is not full waits until its first event has
 * waited `maxWaitMs` (`waitedMs` so far), unless `flush` (stopping, or a backlog behind it).
 */
export function nextBatch(
  format: DeliveryFormat,
  queue: readonly Sized[],
  limits: BatchLimits,
  opts: { waitedMs: number; flush: boolean },
): { take: number } | { waitMs: number } | null {
  if (queue.length === 0) return null;
  if (format === "EVENT") return { take: 1 };
  let count = 0;
  let framed = 0;
  while (count < queue.length && count < limits.maxEvents) {
    const next = framed + queue[count]!.size;
    if (count > 0 && requestBytes(format, next, count + 1) > limits.maxBytes) break;
    framed = next;
    count++;
  }
  const full = count < queue.length || count >= limits.maxEvents;
  if (full || opts.flush || opts.waitedMs >= limits.maxWaitMs) return { take: count };
  return { waitMs: limits.maxWaitMs - opts.waitedMs };
}

/** How long a 413 keeps a connection's batches halved (each further 413 halves again and restarts this). */
export const SHRINK_MS = 10 * 60_000;
const MIN_BYTES = 1024;

/**
 * A connection's batch limits as sent: the configured ones, capped by what the intake is known to
 * take, and halved for `SHRINK_MS` after each 413 (Payload Too Large) answer to a batch.
 */
export class AdaptiveBatchLimits {
  private factor = 1;
  private until = 0;

  constructor(
    private readonly configured: BatchLimits,
    /** The intake's own hard limit on a request's uncompressed bytes, when known. */
    private readonly hardMaxBytes: number | null = null,
  ) {}

  current(now: number): BatchLimits {
    if (this.factor > 1 && now >= this.until) this.factor = 1;
    const bytes = Math.min(this.configured.maxBytes, this.hardMaxBytes ?? Infinity);
    return {
      maxEvents: Math.max(1, Math.floor(this.configured.maxEvents / this.factor)),
      maxBytes: Math.max(Math.min(MIN_BYTES, bytes), Math.floor(bytes / this.factor)),
      maxWaitMs: this.configured.maxWaitMs,
    };
  }

  /** True while a 413 keeps the batches smaller than configured. */
  shrunk(now: number): boolean {
    return this.factor > 1 && now < this.until;
  }

  shrink(now: number): void {
    this.factor = Math.min(this.factor * 2, 1 << 20);
    this.until = now + SHRINK_MS;
  }
}
