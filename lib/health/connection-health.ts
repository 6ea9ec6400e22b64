import type pg from "pg";
import { z } from "zod";
import { pendingAfter } from "../events/event-store";
import { healthRows } from "./health-store";
import { HEALTH_TIMING, healthState } from "./health-state";

/** Events behind are counted up to this many; more shows as "10,000+". */
export const LAG_CAP = 10_000;

/** The API's `Connection.health`. */
export const connectionHealthSchema = z
  .object({
    state: z.enum(["HEALTHY", "FAILING", "PAUSED", "IDLE"]).meta({
      description: "PAUSED: disabled (manually or automatically); IDLE: enabled, nothing sent in the last 15 minutes; FAILING: no success since failing_since",
    }),
    failing_since: z.iso.datetime().nullable().meta({ description: "The first failed attempt after the last success, while failing" }),
    last_success_at: z.iso.datetime().nullable(),
    last_failure_at: z.iso.datetime().nullable(),
    lag_events: z.int().meta({ description: `Events committed after the connection's cursor (not yet delivered or given up), counted up to ${LAG_CAP}` }),
    lag_capped: z.boolean().meta({ description: `True when there are more than ${LAG_CAP} events behind` }),
    oldest_pending_at: z.iso.datetime().nullable().meta({ description: "When the oldest event not yet delivered was stored" }),
  })
  .meta({ description: "Delivery health, kept by the workers as they deliver" });
export type ConnectionHealthDto = z.infer<typeof connectionHealthSchema>;

export type HealthSubject = { id: string; enabled: boolean; cursor: bigint };

const iso = (d: Date | null) => d?.toISOString() ?? null;

/**
 * The health of the organization's connections: the summaries the workers keep (no scan of
 * failures or events) and, per connection, two index probes for what is still to be sent.
 */
export async function loadHealth(db: Pick<pg.Pool, "query">, organizationId: string, subjects: readonly HealthSubject[], now = new Date()): Promise<Map<string, ConnectionHealthDto>> {
  const [rows, pending] = await Promise.all([
    healthRows(db, organizationId, subjects.map((s) => s.id)),
    pendingAfter(db, organizationId, subjects, LAG_CAP),
  ]);
  const out = new Map<string, ConnectionHealthDto>();
  for (const s of subjects) {
    const h = rows.get(s.id);
    const p = pending.get(s.id);
    const facts = { enabled: s.enabled, lastSuccessAt: h?.last_success_at ?? null, lastFailureAt: h?.last_failure_at ?? null, failingSince: h?.failing_since ?? null };
    const state = healthState(facts, now.getTime(), HEALTH_TIMING);
    out.set(s.id, {
      state,
      failing_since: state === "FAILING" || state === "PAUSED" ? iso(facts.failingSince) : null,
      last_success_at: iso(facts.lastSuccessAt),
      last_failure_at: iso(facts.lastFailureAt),
      lag_events: p?.count ?? 0,
      lag_capped: p?.capped ?? false,
      oldest_pending_at: iso(p?.oldestAt ?? null),
    });
  }
  return out;
}
