/**
 * The events a streamer has taken but not yet settled, in sequence order. The cursor may only
 * move over the contiguous settled prefix, so a crash redelivers, never skips.
 */
export class CursorWindow {
  private readonly order: bigint[] = [];
  private readonly settled = new Set<bigint>();
  private head = 0;

  constructor(private cursor: bigint) {}

  get position(): bigint {
    return this.cursor;
  }

  get size(): number {
    return this.order.length - this.head;
  }

  /** Whether an event taken into the window was settled (the cursor passed it, or it waits for those before it). */
  isSettled(seq: bigint): boolean {
    return seq <= this.cursor || this.settled.has(seq);
  }

  take(seq: bigint): void {
    this.order.push(seq);
  }

  /** Marks an event settled; returns true when the cursor moved. */
  settle(seq: bigint): boolean {
    this.settled.add(seq);
    let moved = false;
    while (this.head < this.order.length && this.settled.has(this.order[this.head]!)) {
      const s = this.order[this.head++]!;
      this.settled.delete(s);
      this.cursor = s;
      moved = true;
    }
    if (this.head > 1024 && this.head * 2 > this.order.length) {
      this.order.splice(0, this.head);
      this.head = 0;
    }
    return moved;
  }
}
