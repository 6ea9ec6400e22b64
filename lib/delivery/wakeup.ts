/**
 * A reusable wake-up: `wait(ms)` resolves on the next `wake()` or after `ms`, whichever is first.
 * `wait(Infinity)` sets no timer at all: it resolves on `wake()` only.
 */
export class Wakeup {
  private pending: (() => void) | null = null;
  private woken = false;

  wake(): void {
    if (this.pending) {
      const resolve = this.pending;
      this.pending = null;
      resolve();
    } else {
      this.woken = true;
    }
  }

  wait(ms: number): Promise<void> {
    if (this.woken) {
      this.woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = Number.isFinite(ms)
        ? setTimeout(() => {
            this.pending = null;
            resolve();
          }, Math.max(0, ms))
        : null;
      this.pending = () => {
        if (timer) clearTimeout(timer);
        resolve();
      };
    });
  }
}
