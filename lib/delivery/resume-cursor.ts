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
