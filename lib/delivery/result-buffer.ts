/**
 * Results waiting to be written. A write takes the whole buffer and leaves an empty one in its
 * place, so a result added while a write runs goes into the next write, never into the array the
 * running one took. Writes never overlap; `write` returns false to say "stop" (e.g. cancelled).
 */
export class ResultBuffer<T> {
  private pending: T[] = [];
  private writing: Promise<boolean> | null = null;
  private lastWrite: number;

  constructor(
    private readonly write: (items: T[]) => Promise<boolean>,
    private readonly everyMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.lastWrite = now();
  }

  get size(): number {
    return this.pending.length;
  }

  /** Adds a result, and writes the buffer when `everyMs` passed since the last write and none is running. False once a write said stop. */
  async add(item: T): Promise<boolean> {
    this.pending.push(item);
    if (this.writing || this.now() - this.lastWrite < this.everyMs) return true;
    return this.flush();
  }

  /** Writes everything buffered, after the write still running; false when the write said stop. */
  async flush(): Promise<boolean> {
    while (this.writing) await this.writing;
    const items = this.pending;
    this.pending = [];
    this.lastWrite = this.now();
    if (items.length === 0) return true;
    this.writing = this.write(items).finally(() => {
      this.writing = null;
    });
    return this.writing;
  }
}
