import crypto from "node:crypto";
import { describe, expect, it } from "vitest";
import { assignSlots, SLOT_COUNT, slotOf } from "../../lib/delivery/stream-slots";

const workers = (n: number) => Array.from({ length: n }, (_, i) => 1_000_003 * (i + 1) + 17);
const owner = (assignment: Map<number, number[]>) => {
  const bySlot = new Map<number, number>();
  for (const [w, slots] of assignment) for (const s of slots) bySlot.set(s, w);
  return bySlot;
};

describe("slotOf", () => {
  it("is the last byte of the UUID, as SQL's get_byte(uuid_send(id), 15) computes it", () => {
    expect(slotOf("6b1f7c0e-2d55-4c53-9a3e-0f7f5d2a9b11")).toBe(0x11);
    expect(slotOf("00000000-0000-4000-8000-0000000000ff")).toBe(255);
    expect(slotOf("00000000-0000-4000-8000-000000000100")).toBe(0);
  });

  it("spreads random ids evenly over the slots", () => {
    const counts = new Array<number>(SLOT_COUNT).fill(0);
    for (let i = 0; i < 256_000; i++) counts[slotOf(crypto.randomUUID())]!++;
    expect(Math.min(...counts)).toBeGreaterThan(800);
    expect(Math.max(...counts)).toBeLessThan(1200);
  });
});

describe("assignSlots", () => {
  it.each([1, 2, 3, 5, 7, 16])("gives each of %i workers its share of the slots, within one", (n) => {
    const assignment = assignSlots(workers(n));
    const sizes = [...assignment.values()].map((s) => s.length);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(SLOT_COUNT);
    expect(new Set([...assignment.values()].flat()).size).toBe(SLOT_COUNT);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(Math.ceil(SLOT_COUNT / n));
    expect(Math.min(...sizes)).toBeGreaterThanOrEqual(Math.floor(SLOT_COUNT / n) - (n - 1));
  });

  it("is the same whatever order the workers are listed in (every worker computes it alone)", () => {
    const ws = workers(4);
    expect(assignSlots([...ws].reverse())).toEqual(assignSlots(ws));
    expect(assignSlots([ws[2]!, ws[0]!, ws[3]!, ws[1]!, ws[0]!])).toEqual(assignSlots(ws));
  });

  it("moves about a third of the slots when a third worker joins, and only to it", () => {
    const before = owner(assignSlots(workers(2)));
    const after = owner(assignSlots(workers(3)));
    const moved = [...after].filter(([s, w]) => before.get(s) !== w);
    expect(moved.length).toBeGreaterThanOrEqual(Math.floor(SLOT_COUNT / 3));
    expect(moved.length).toBeLessThanOrEqual(Math.ceil(SLOT_COUNT / 3) + 16);
  });

  it("hands a leaving worker's slots to the others and moves few of theirs", () => {
    const ws = workers(3);
    const before = owner(assignSlots(ws));
    const after = owner(assignSlots([ws[0]!, ws[2]!]));
    const orphaned = [...before].filter(([, w]) => w === ws[1]).length;
    const moved = [...after].filter(([s, w]) => before.get(s) !== w).length;
    expect(moved - orphaned).toBeLessThanOrEqual(16);
  });

  it("has nothing to assign without workers", () => {
    expect(assignSlots([]).size).toBe(0);
  });
});
