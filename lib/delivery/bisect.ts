// Isolating the event(s) a destination rejects in a batch (pure planning; the caller sends).
//
// A batch answered with a non-retryable 4xx is split and its halves resent until every rejected
// event is alone: only those are recorded REJECTED; every other event is delivered. The plan sends
// the left half of a group known (or presumed) to hold a rejected event:
// - left delivered → the right half must hold it (the whole was rejected), so it is split again
//   without being sent whole ("suspect"; a suspect single event is sent alone before it is blamed);
// - left rejected → the rejected event is in it; the right half is set aside ("unknown") and all
//   set-aside halves go together in one request at the end.
// One bad event in n costs at most ceil(log2 n) + 2 extra requests (12 for 1,000), within the
// issue's 2·log2(n). An event is only ever blamed after it was rejected in a request of its own,
// or named by the destination (Splunk HEC's `invalid-event-number`).

type Known = "rejected" | "suspect" | "unknown";
type Group<T> = { items: T[]; known: Known };
type Pending<T> =
  | { kind: "left"; group: Group<T>; left: T[]; right: T[] }
  | { kind: "single"; group: Group<T> }
  | { kind: "merged"; items: T[] };

/** A request's answer, as far as bisection cares. `invalidIndex`: the destination named this event of the request as the first invalid one. */
export type BisectAnswer = { ok: true } | { ok: false; invalidIndex?: number | null };

export type BisectStep<T> = { delivered: T[]; isolated: T[] };

export class Bisection<T> {
  private groups: Group<T>[] = [];
  private pending: Pending<T> | null = null;
  /** Requests planned so far (the caller's first, rejected request not counted). */
  requests = 0;
  /** What the first answer already settled (a named invalid event, and the events before it). */
  readonly first: BisectStep<T>;

  /** `items`: a batch (in order) the destination rejected; `invalidIndex` if it named the first invalid event. */
  constructor(items: readonly T[], invalidIndex?: number | null) {
    this.first = this.rejected([...items], invalidIndex, (g) => this.groups.push(g));
  }

  /** The events of the next request, or null when every event is delivered or isolated. */
  next(): T[] | null {
    if (this.pending) throw new Error("record the answer to the last request first");
    const group = this.groups.find((g) => g.known !== "unknown");
    if (group) {
      this.requests++;
      if (group.items.length === 1) {
        this.pending = { kind: "single", group };
        return group.items;
      }
      const half = Math.ceil(group.items.length / 2);
      const left = group.items.slice(0, half);
      this.pending = { kind: "left", group, left, right: group.items.slice(half) };
      return left;
    }
    if (this.groups.length === 0) return null;
    const items = this.groups.flatMap((g) => g.items);
    this.groups = [];
    this.requests++;
    this.pending = { kind: "merged", items };
    return items;
  }

  /** Records the answer to the request `next()` returned; returns what it settled. */
  record(answer: BisectAnswer): BisectStep<T> {
    const p = this.pending;
    if (!p) throw new Error("no request is waiting for an answer");
    this.pending = null;
    if (p.kind === "single") {
      this.remove(p.group);
      return answer.ok ? { delivered: p.group.items, isolated: [] } : { delivered: [], isolated: p.group.items };
    }
    if (p.kind === "merged") {
      if (answer.ok) return { delivered: p.items, isolated: [] };
      // Set-aside groups came before or after the others; keeping sequence order is not needed for correctness.
      return this.rejected(p.items, answer.invalidIndex, (g) => this.groups.push(g));
    }
    const at = this.groups.indexOf(p.group);
    if (answer.ok) {
      this.groups.splice(at, 1, { items: p.right, known: "suspect" });
      return { delivered: p.left, isolated: [] };
    }
    const replacement: Group<T>[] = [];
    const step = this.rejected(p.left, answer.invalidIndex, (g) => replacement.push(g));
    replacement.push({ items: p.right, known: "unknown" });
    this.groups.splice(at, 1, ...replacement);
    return step;
  }

  /** Every event not yet delivered or isolated, in the order they were given (to retry them as a batch). */
  remaining(): T[] {
    const pending = this.pending?.kind === "merged" ? this.pending.items : [];
    return [...this.groups.flatMap((g) => g.items), ...pending];
  }

  /** A rejected request of `items`: a named invalid event is isolated at once, those before it delivered. */
  private rejected(items: T[], invalidIndex: number | null | undefined, add: (g: Group<T>) => void): BisectStep<T> {
    if (invalidIndex !== undefined && invalidIndex !== null && Number.isInteger(invalidIndex) && invalidIndex >= 0 && invalidIndex < items.length) {
      const rest = items.slice(invalidIndex + 1);
      if (rest.length > 0) add({ items: rest, known: "unknown" });
      return { delivered: items.slice(0, invalidIndex), isolated: [items[invalidIndex]!] };
    }
    if (items.length === 1) return { delivered: [], isolated: items };
    add({ items, known: "rejected" });
    return { delivered: [], isolated: [] };
  }

  private remove(group: Group<T>): void {
    this.groups.splice(this.groups.indexOf(group), 1);
  }
}

/**
 * Whether a rejection could be caused by the events in the request (so bisecting can isolate them),
 * rather than by the request itself: authorization, a wrong URL or method, a refused media type.
 * Those reject every event alike, so splitting would only multiply requests.
 */
export function rejectionIsPerEvent(status: number | null): boolean {
  if (status === null) return false;
  return ![401, 403, 404, 405, 406, 407, 410, 411, 414, 415, 421, 426, 431, 451].includes(status);
}

/**
 * Splunk HEC names the first invalid event of a batch (`{"text":"Invalid data format","code":6,
 * "invalid-event-number":3}`); HEC indexes the events before it and stops there. Null when the
 * answer says nothing of the kind.
 */
export function splunkInvalidEventNumber(excerpt: string | null): number | null {
  if (!excerpt || !excerpt.includes("invalid-event-number")) return null;
  try {
    const parsed = JSON.parse(excerpt) as { "invalid-event-number"?: unknown; code?: unknown };
    const n = parsed["invalid-event-number"];
    return typeof n === "number" && Number.isInteger(n) && n >= 0 ? n : null;
  } catch {
    return null;
  }
}
