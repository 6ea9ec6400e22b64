/**
 * Decides, per destination, when one more request may go: any number at once (up to the caller's
 * own limit) while it answers 2xx; after a failure, one at a time until it succeeds again; none
 * after `maxFailuresInARow` failures in a row.
 */
export class DestinationGate {
  private readonly lanes = new Map<string, { inFlight: Set<Promise<unknown>>; failuresInARow: number }>();

  constructor(private readonly maxFailuresInARow: number) {}

  /** Sends through the gate when the destination may take it; null when it failed too often in a row to try. */
  async send<T>(destination: string, send: () => Promise<T>, succeeded: (result: T) => boolean): Promise<T | null> {
    let lane = this.lanes.get(destination);
    if (!lane) this.lanes.set(destination, (lane = { inFlight: new Set(), failuresInARow: 0 }));
    while (lane.failuresInARow > 0 && lane.inFlight.size > 0) await Promise.race(lane.inFlight);
    if (lane.failuresInARow >= this.maxFailuresInARow) return null;
    const request = send();
    const settled = request.then(
      () => undefined,
      () => undefined,
    );
    lane.inFlight.add(settled);
    try {
      const result = await request;
      lane.failuresInARow = succeeded(result) ? 0 : lane.failuresInARow + 1;
      return result;
    } finally {
      lane.inFlight.delete(settled);
    }
  }
}
