// `delivery_failures` is partitioned by week of attempted_at: Monday 00:00 UTC to the next Monday.

const DAY_MS = 24 * 3600_000;
export const WEEK_MS = 7 * DAY_MS;
/** Weeks kept ready ahead of the current one, so an attempt always finds its partition. */
export const WEEKS_AHEAD = 2;

/** Monday 00:00 UTC of the week `at` falls in. */
export function weekStart(at: Date): Date {
  const midnight = Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate());
  const sinceMonday = (new Date(midnight).getUTCDay() + 6) % 7;
  return new Date(midnight - sinceMonday * DAY_MS);
}

/**
 * The weekly partitions to create so that every week up to `WEEKS_AHEAD` after the current one has
 * one, continuing from the end of the last partition (`lastEnd`; weeks already past are created too,
 * so the ranges stay contiguous after a long stop).
 */
export function failureWeeksToAdd(lastEnd: Date | null, now: Date): { from: Date; to: Date }[] {
  const until = weekStart(now).getTime() + (WEEKS_AHEAD + 1) * WEEK_MS;
  const weeks: { from: Date; to: Date }[] = [];
  for (let from = lastEnd ? lastEnd.getTime() : weekStart(now).getTime(); from < until; from += WEEK_MS) {
    weeks.push({ from: new Date(from), to: new Date(from + WEEK_MS) });
  }
  return weeks;
}
