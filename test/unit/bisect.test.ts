import { describe, expect, it } from "vitest";
import { Bisection, rejectionIsPerEvent, splunkInvalidEventNumber } from "../../lib/delivery/bisect";

/**
 * Runs a bisection against a destination that refuses any request holding a bad event (and, when
 * `names` is set, names the first bad one like Splunk HEC). Returns what was delivered, isolated,
 * and how many requests it took besides the first.
 */
function run(n: number, bad: Set<number>, names = false) {
  const items = Array.from({ length: n }, (_, i) => i);
  const answer = (req: number[]) => {
    const i = req.findIndex((x) => bad.has(x));
    return i === -1 ? ({ ok: true } as const) : ({ ok: false, invalidIndex: names ? i : null } as const);
  };
  const first = answer(items);
  if (first.ok) throw new Error("the first request must be rejected");
  const plan = new Bisection(items, first.invalidIndex);
  const delivered = [...plan.first.delivered];
  const isolated = [...plan.first.isolated];
  const sentAlone = new Set<number>();
  for (let req = plan.next(); req; req = plan.next()) {
    if (req.length === 1) sentAlone.add(req[0]!);
    const step = plan.record(answer(req));
    delivered.push(...step.delivered);
    isolated.push(...step.isolated);
  }
  return { delivered, isolated, requests: plan.requests, sentAlone };
}

const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);

describe("bisection", () => {
  it("isolates one bad event in 1,000 and delivers the other 999, in at most ceil(log2 n) + 2 extra requests", () => {
    for (const poison of [0, 1, 250, 499, 500, 777, 998, 999]) {
      const { delivered, isolated, requests } = run(1000, new Set([poison]));
      expect(isolated).toEqual([poison]);
      expect(sorted(delivered)).toEqual(Array.from({ length: 1000 }, (_, i) => i).filter((i) => i !== poison));
      expect(requests, `poison at ${poison}`).toBeLessThanOrEqual(12);
      // The bound, and its benchmark's "≤ 20 requests" counting the first.
      expect(requests).toBeLessThanOrEqual(2 * Math.log2(1000));
      expect(requests + 1).toBeLessThanOrEqual(20);
    }
  });

  it("blames an event only after it was refused in a request of its own", () => {
    for (let round = 0; round < 200; round++) {
      const n = 2 + Math.floor(Math.random() * 300);
      const bad = new Set(Array.from({ length: 1 + Math.floor(Math.random() * 5) }, () => Math.floor(Math.random() * n)));
      const { delivered, isolated, sentAlone } = run(n, bad);
      expect(sorted(isolated)).toEqual(sorted([...bad]));
      for (const i of isolated) expect(sentAlone.has(i)).toBe(true);
      // Every event exactly once: delivered or isolated.
      expect(sorted([...delivered, ...isolated])).toEqual(Array.from({ length: n }, (_, i) => i));
    }
  });

  it("costs about log2(n) requests per bad event, never more than 2·log2(n) + 2 each", () => {
    for (let round = 0; round < 100; round++) {
      const n = 2 + Math.floor(Math.random() * 1000);
      const k = 1 + Math.floor(Math.random() * 4);
      const bad = new Set(Array.from({ length: k }, () => Math.floor(Math.random() * n)));
      const { requests } = run(n, bad);
      expect(requests).toBeLessThanOrEqual(bad.size * (2 * Math.ceil(Math.log2(n)) + 2));
    }
  });

  it("uses the destination's own naming of the bad event: one request for the rest", () => {
    const { delivered, isolated, requests } = run(1000, new Set([600]), true);
    expect(isolated).toEqual([600]);
    expect(delivered).toHaveLength(999);
    expect(requests).toBe(1);
  });

  it("with several named bad events, one request per bad event", () => {
    const { isolated, requests, delivered } = run(100, new Set([10, 20, 90]), true);
    expect(sorted(isolated)).toEqual([10, 20, 90]);
    expect(delivered).toHaveLength(97);
    expect(requests).toBe(3);
  });

  it("hands back every event not settled yet, to retry them together after a retryable failure", () => {
    const plan = new Bisection([1, 2, 3, 4, 5, 6, 7, 8]);
    const left = plan.next()!;
    expect(left).toEqual([1, 2, 3, 4]);
    expect(plan.record({ ok: true }).delivered).toEqual([1, 2, 3, 4]);
    plan.next();
    expect(sorted(plan.remaining())).toEqual([5, 6, 7, 8]);
  });

  it("refuses to plan a request before the last one was answered", () => {
    const plan = new Bisection([1, 2, 3]);
    plan.next();
    expect(() => plan.next()).toThrow(/record the answer/);
  });
});

describe("rejectionIsPerEvent", () => {
  it("bisects 400, 409, 413 and 422, not answers about the request itself", () => {
    for (const s of [400, 409, 413, 422]) expect(rejectionIsPerEvent(s), String(s)).toBe(true);
    for (const s of [401, 403, 404, 405, 410, 415]) expect(rejectionIsPerEvent(s), String(s)).toBe(false);
    expect(rejectionIsPerEvent(null)).toBe(false);
  });
});

describe("splunkInvalidEventNumber", () => {
  it("reads HEC's invalid-event-number, and nothing from other answers", () => {
    expect(splunkInvalidEventNumber('{"text":"Invalid data format","code":6,"invalid-event-number":3}')).toBe(3);
    expect(splunkInvalidEventNumber('{"text":"Event field is required","code":12,"invalid-event-number":0}')).toBe(0);
    expect(splunkInvalidEventNumber('{"text":"Invalid data format","code":6}')).toBeNull();
    expect(splunkInvalidEventNumber('{"invalid-event-number":-1}')).toBeNull();
    expect(splunkInvalidEventNumber("invalid-event-number: 3")).toBeNull();
    expect(splunkInvalidEventNumber(null)).toBeNull();
  });
});
