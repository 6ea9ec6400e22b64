import { EVENT_TYPES } from "../events/event-types";

// Which event types a connection sends (API.md › Delivery formats and filters). Pure.

/** `include`: only these (all when empty); `exclude`: never these. Entries are exact types or prefixes ending in `*`. */
export type EventFilter = { include: string[]; exclude: string[] };

/** An exact type (`USER_LOGGED_IN`) or a prefix ending in `*` (`USER_*`). */
export const EVENT_PATTERN = /^[A-Z0-9_]+\*?$/;

type Compiled = { exact: Set<string>; prefixes: string[] };

function compile(patterns: readonly string[]): Compiled {
  const exact = new Set<string>();
  const prefixes: string[] = [];
  for (const p of patterns) {
    if (p.endsWith("*")) prefixes.push(p.slice(0, -1));
    else exact.add(p);
  }
  return { exact, prefixes };
}

const matches = (c: Compiled, type: string) => c.exact.has(type) || c.prefixes.some((p) => type.startsWith(p));

/**
 * A predicate: true when the connection sends events of this type. The test event always passes
 * (it proves the destination works, whatever the filter). Null filter → everything.
 */
export function eventFilterPredicate(filter: EventFilter | null): (eventType: string) => boolean {
  if (!filter || (filter.include.length === 0 && filter.exclude.length === 0)) return () => true;
  const include = compile(filter.include);
  const exclude = compile(filter.exclude);
  const includeAll = filter.include.length === 0;
  return (type) => {
    if (type === EVENT_TYPES.connectionTested) return true;
    if (!includeAll && !matches(include, type)) return false;
    return !matches(exclude, type);
  };
}

/** Empty lists mean no filter: stored and shown as null. */
export function normalizeEventFilter(filter: EventFilter | null | undefined): EventFilter | null {
  if (!filter) return null;
  const clean = (xs: readonly string[]) => [...new Set(xs)];
  const include = clean(filter.include);
  const exclude = clean(filter.exclude);
  return include.length === 0 && exclude.length === 0 ? null : { include, exclude };
}
