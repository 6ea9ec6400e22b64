import type pg from "pg";
import { advanceCursors } from "./stream-state";

// How soon a cursor whose row was locked by another transaction is tried again.
const RETRY_LOCKED_MS = 100;

type Waiting = { cursor: bigint; waiters: { resolve: () => void; reject: (err: unknown) => void }[] };

/**
 * Writes the cursors of a worker's streamers together: what they ask to write while one statement
 * is in flight goes in the next, so a thousand streamers settling at once cost a few commits, not a
 * thousand. A connection asked twice gets its furthest cursor. Each caller learns when its own write
 * landed (a failed statement fails all of its callers, who keep their cursor to write again); a row
 * another transaction holds locked is tried again a moment later without holding up the others.
 */
export class CursorWriter {
  private pending = new Map<string, Waiting>();
  private flushing = false;

  constructor(private readonly db: Pick<pg.Pool, "query">) {}

  write(connectionId: string, cursor: bigint): Promise<void> {
    return new Promise((resolve, reject) => {
      const waiting = this.pending.get(connectionId);
      if (waiting) {
        if (cursor > waiting.cursor) waiting.cursor = cursor;
        waiting.waiters.push({ resolve, reject });
      } else {
        this.pending.set(connectionId, { cursor, waiters: [{ resolve, reject }] });
      }
      this.flushSoon();
    });
  }

  /** A row another transaction holds: written again (with anything asked since) a moment later. */
  private retry(id: string, w: Waiting): void {
    setTimeout(() => {
      const waiting = this.pending.get(id);
      if (waiting) {
        if (w.cursor > waiting.cursor) waiting.cursor = w.cursor;
        waiting.waiters.push(...w.waiters);
      } else {
        this.pending.set(id, w);
      }
      this.flushSoon();
    }, RETRY_LOCKED_MS);
  }

  private flushSoon(): void {
    if (this.flushing || this.pending.size === 0) return;
    this.flushing = true;
    // Writes asked in the same turn of the event loop join this statement.
    setImmediate(() => {
      const batch = this.pending;
      this.pending = new Map();
      advanceCursors(this.db, [...batch].map(([id, w]) => ({ id, cursor: w.cursor })))
        .then(
          (skipped) => {
            const locked = new Set(skipped);
            for (const [id, w] of batch) {
              if (locked.has(id)) this.retry(id, w);
              else for (const x of w.waiters) x.resolve();
            }
          },
          (err) => {
            for (const w of batch.values()) for (const x of w.waiters) x.reject(err);
          },
        )
        .finally(() => {
          this.flushing = false;
          this.flushSoon();
        });
    });
  }
}
