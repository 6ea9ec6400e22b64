/**
 * Connections are grouped into a fixed number of slots, and workers own slots, not connections: a
 * worker holds one session advisory lock per slot it streams (the fence), so the number of locks
 * does not grow with the connections. (One lock per connection ran PostgreSQL out of lock-table
 * memory at 30,000 connections: the table holds max_locks_per_transaction × max_connections,
 * 12,800 on the embedded server's settings.) Never change SLOT_COUNT on a running fleet: two
 * workers that disagree on it could stream one connection twice.
 */
export const SLOT_COUNT = 256;

/**
 * A connection's slot: the last byte of its UUID, random in v4 and v7 alike. SQL computes the
 * same with `get_byte(uuid_send(id), 15)` (see slotSql).
 */
export function slotOf(connectionId: string): number {
  return Number.parseInt(connectionId.slice(-2), 16) % SLOT_COUNT;
}

/** The SQL expression of slotOf for a uuid column. */
export function slotSql(column: string): string {
  return `get_byte(uuid_send(${column}), 15)`;
}

/** A 32-bit mix (murmur3's finalizer): spreads near keys far apart. */
function mix(x: number): number {
  let h = x >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}

/** How much `worker` wants `slot` (rendezvous hashing): every worker computes the same numbers. */
function score(worker: number, slot: number): number {
  return mix(mix(worker) ^ Math.imul(slot + 1, 0x9e3779b1));
}

/**
 * Which slots each live worker owns: rendezvous hashing with bounded loads. Each slot goes to the
 * worker that scores it highest among those still under ceil(slots / workers), so every worker
 * gets its share within one slot, and a worker joining or leaving moves about 1/W of the slots.
 * Pure and deterministic in the set of workers (their order does not matter).
 */
export function assignSlots(workers: readonly number[], slotCount = SLOT_COUNT): Map<number, number[]> {
  const members = [...new Set(workers)].sort((a, b) => a - b);
  const owned = new Map<number, number[]>(members.map((w) => [w, []]));
  if (members.length === 0) return owned;
  const cap = Math.ceil(slotCount / members.length);
  // Slots in an order of their own (not 0, 1, 2…), so no worker is favoured by coming early.
  const order = Array.from({ length: slotCount }, (_, s) => s).sort((a, b) => mix(a + 0x5bd1e995) - mix(b + 0x5bd1e995) || a - b);
  for (const slot of order) {
    const ranked = members.map((w) => ({ w, score: score(w, slot) })).sort((a, b) => b.score - a.score || a.w - b.w);
    const winner = ranked.find((r) => owned.get(r.w)!.length < cap)!;
    owned.get(winner.w)!.push(slot);
  }
  for (const slots of owned.values()) slots.sort((a, b) => a - b);
  return owned;
}
