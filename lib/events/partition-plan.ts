/** One range partition of `events`, as the maintenance job records it (table `event_partitions`). */
export type EventPartitionInfo = {
  name: string;
  fromSeq: bigint;
  toSeq: bigint;
  /** First seen holding an event (null: not begun, or the table as it was before partitioning). */
  startedAt: Date | null;
  /** First seen full: every sequence number of its range drawn. */
  filledAt: Date | null;
};

export type PartitionPolicy = {
  /** About how long one partition should take to fill: retention drops partitions, so it is also the granularity of retention. */
  spanMs: number;
  minSize: bigint;
  maxSize: bigint;
  /** Size of the first partitions, before any rate has been seen. */
  initialSize: bigint;
};

export const DEFAULT_POLICY: PartitionPolicy = {
  spanMs: 7 * 24 * 3600_000,
  minSize: 1_000_000n,
  maxSize: 10_000_000_000n,
  initialSize: 1_000_000n,
};

// A rate measured over less than this says little (a burst right after a partition began).
const MIN_RATE_WINDOW_MS = 3600_000;

const clamp = (v: bigint, lo: bigint, hi: bigint) => (v < lo ? lo : v > hi ? hi : v);

/** Events per millisecond lately, from the partition filling now or, if it only just began, the last one that filled. */
export function observedRate(partitions: readonly EventPartitionInfo[], latestSeq: bigint, now: Date): number | null {
  const ranged = [...partitions].filter((p) => p.startedAt).sort((a, b) => (a.fromSeq < b.fromSeq ? -1 : 1));
  const current = ranged.filter((p) => p.fromSeq <= latestSeq).at(-1);
  if (current?.startedAt && !current.filledAt) {
    const elapsed = now.getTime() - current.startedAt.getTime();
    if (elapsed >= MIN_RATE_WINDOW_MS) return Number(latestSeq - current.fromSeq + 1n) / elapsed;
  }
  const filled = ranged.filter((p) => p.filledAt && p.startedAt && p.filledAt.getTime() - p.startedAt.getTime() >= MIN_RATE_WINDOW_MS).at(-1);
  if (filled) return Number(filled.toSeq - filled.fromSeq) / (filled.filledAt!.getTime() - filled.startedAt!.getTime());
  return null;
}

/** How many sequence numbers the next partition spans: about `spanMs` of events at the observed rate. */
export function nextPartitionSize(partitions: readonly EventPartitionInfo[], latestSeq: bigint, now: Date, policy = DEFAULT_POLICY): bigint {
  const rate = observedRate(partitions, latestSeq, now);
  if (rate === null) return clamp(policy.initialSize, policy.minSize, policy.maxSize);
  return clamp(BigInt(Math.ceil(rate * policy.spanMs)), policy.minSize, policy.maxSize);
}

/**
 * The partition to create, if any: the next range once the last partition has begun to fill, so a
 * whole partition (about `spanMs` of events) is always ready ahead of the writers. If writers have
 * run past the last one (their inserts failed, see event-partitions.ts), the next one also covers
 * the numbers they drew.
 */
export function nextEventPartition(
  partitions: readonly EventPartitionInfo[],
  latestSeq: bigint,
  now: Date,
  policy = DEFAULT_POLICY,
): { fromSeq: bigint; toSeq: bigint } | null {
  const last = [...partitions].sort((a, b) => (a.toSeq < b.toSeq ? -1 : 1)).at(-1);
  const size = nextPartitionSize(partitions, latestSeq, now, policy);
  if (!last) return { fromSeq: latestSeq + 1n, toSeq: latestSeq + 1n + size };
  if (latestSeq < last.fromSeq) return null;
  const base = latestSeq >= last.toSeq ? latestSeq + 1n : last.toSeq;
  return { fromSeq: last.toSeq, toSeq: base + size };
}
