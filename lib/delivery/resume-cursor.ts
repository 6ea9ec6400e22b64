export const LONG_PAUSE_MS = 7 * 24 * 60 * 60 * 1000;

/**
 * Where a connection resumes when re-enabled: after a pause of 7 days or more it skips to the
 * latest event (the seed's rule), otherwise it keeps its cursor and delivers the backlog.
 */
export function resumeCursor(
  connection: { cursor: bigint; disabledAt: Date | null },
  latestSeq: bigint,
  now: Date,
): { cursor: bigint; skipped: boolean } {
  if (connection.disabledAt && now.getTime() - connection.disabledAt.getTime() >= LONG_PAUSE_MS && latestSeq > connection.cursor) {
    return { cursor: latestSeq, skipped: true };
  }
  return { cursor: connection.cursor, skipped: false };
}

/** The oldest stored time a connection with a catch-up limit still sends when re-enabled at `now`. */
export function catchUpCutoff(maxEventAgeSeconds: number, now: Date): Date {
  return new Date(now.getTime() - maxEventAgeSeconds * 1000);
}

/**
 * The catch-up limit, applied where the 7-day rule is (on re-enable, when that rule kept the cursor):
 * the events after the cursor stored before the cutoff are skipped. `firstFreshSeq` is the first
 * event after the cursor stored at or after the cutoff (null: none). Returns the range skipped,
 * (after, through], or null when nothing is too old.
 */
export function catchUpSkip(cursor: bigint, firstFreshSeq: bigint | null, latestSeq: bigint): { after: bigint; through: bigint } | null {
  const through = firstFreshSeq === null ? latestSeq : firstFreshSeq - 1n;
  return through > cursor ? { after: cursor, through } : null;
}
