/**
 * The overall deadline of one request, in the shape undici accepts as a `signal` (it only calls
 * `addEventListener`/`removeEventListener` and reads `aborted`/`reason`). A plain object: no timer,
 * no EventTarget, nothing left behind when the request ends.
 */
export class RequestDeadline {
  aborted = false;
  reason: Error | undefined;
  private listener: (() => void) | null = null;

  constructor(readonly at: number) {}

  addEventListener(_type: "abort", listener: () => void): void {
    this.listener = listener;
  }

  removeEventListener(): void {
    this.listener = null;
  }

  expire(reason: Error): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    const listener = this.listener;
    this.listener = null;
    listener?.();
  }
}

/**
 * One interval for all requests in flight of a client, instead of a timer per request
 * (`AbortSignal.timeout` per request measured +150 MB RSS at 4,000 requests/s). Every request of a
 * sweeper gets the same allowance, so a Set in insertion order is also in deadline order and a sweep
 * stops at the first request still in time. The interval runs only while something is in flight.
 */
export class DeadlineSweeper {
  private readonly pending = new Set<RequestDeadline>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly allowanceMs: number,
    private readonly reason: () => Error,
    /** Lateness tolerated past a deadline: a twentieth of the allowance, 10–500 ms. */
    private readonly everyMs = Math.min(500, Math.max(10, Math.floor(allowanceMs / 20))),
  ) {}

  get inFlight(): number {
    return this.pending.size;
  }

  begin(): RequestDeadline {
    const deadline = new RequestDeadline(performance.now() + this.allowanceMs);
    this.pending.add(deadline);
    if (!this.timer) {
      this.timer = setInterval(() => this.sweep(), this.everyMs);
      this.timer.unref();
    }
    return deadline;
  }

  end(deadline: RequestDeadline): void {
    this.pending.delete(deadline);
  }

  private sweep(): void {
    const now = performance.now();
    for (const deadline of this.pending) {
      if (deadline.at > now) break;
      this.pending.delete(deadline);
      deadline.expire(this.reason());
    }
    if (this.pending.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
