import type pg from "pg";
import { LATENCY_BUCKETS_MS } from "./metrics";

type Row = {
  id: string;
  name: string;
  enabled: boolean;
  lag: string;
  delivered: string | null;
  failed_attempts: string | null;
  retries: string | null;
  given_up: string | null;
  rejected: string | null;
  redelivered: string | null;
  redelivery_failed: string | null;
  latency_buckets: string[] | null;
  latency_sum_ms: number | null;
};

const escape = (v: string) => v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");

/** The organization's streaming metrics in Prometheus text format (counters summed over all workers). */
export async function renderMetrics(pool: pg.Pool, organizationId: string): Promise<string> {
  const { rows } = await pool.query<Row>(
    `SELECT c.id, c.name, c.enabled,
            (SELECT count(*) FROM events e WHERE e.organization_id = c.organization_id AND e.seq > c.cursor)::text AS lag,
            m.delivered::text, m.failed_attempts::text, m.retries::text, m.given_up::text, m.rejected::text,
            m.redelivered::text, m.redelivery_failed::text, m.latency_buckets::text[], m.latency_sum_ms
     FROM connections c LEFT JOIN connection_metrics m ON m.connection_id = c.id
     WHERE c.organization_id = $1 ORDER BY c.created_at`,
    [organizationId],
  );
  const out: string[] = [];
  const metric = (name: string, type: string, help: string) => out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
  const labels = (r: Row, extra = "") => `connection_id="${r.id}",connection_name="${escape(r.name)}"${extra}`;

  metric("tributary_deliveries_total", "counter", "Delivery attempts by outcome: delivered (2xx), failed (each failed attempt), rejected (non-retryable 4xx), given_up.");
  for (const r of rows) {
    out.push(`tributary_deliveries_total{${labels(r, ',outcome="delivered"')}} ${r.delivered ?? 0}`);
    out.push(`tributary_deliveries_total{${labels(r, ',outcome="failed"')}} ${r.failed_attempts ?? 0}`);
    out.push(`tributary_deliveries_total{${labels(r, ',outcome="rejected"')}} ${r.rejected ?? 0}`);
    out.push(`tributary_deliveries_total{${labels(r, ',outcome="given_up"')}} ${r.given_up ?? 0}`);
  }
  metric("tributary_redeliveries_total", "counter", "Events sent again by a redelivery, by outcome: delivered (2xx) or failed.");
  for (const r of rows) {
    out.push(`tributary_redeliveries_total{${labels(r, ',outcome="delivered"')}} ${r.redelivered ?? 0}`);
    out.push(`tributary_redeliveries_total{${labels(r, ',outcome="failed"')}} ${r.redelivery_failed ?? 0}`);
  }
  metric("tributary_delivery_retries_total", "counter", "Failed attempts that were scheduled for a retry.");
  for (const r of rows) out.push(`tributary_delivery_retries_total{${labels(r)}} ${r.retries ?? 0}`);

  metric("tributary_delivery_latency_ms", "histogram", "Milliseconds from an event's commit to the destination's 2xx answer.");
  for (const r of rows) {
    const buckets = (r.latency_buckets ?? []).map(Number);
    let cumulative = 0;
    LATENCY_BUCKETS_MS.forEach((le, i) => {
      cumulative += buckets[i] ?? 0;
      out.push(`tributary_delivery_latency_ms_bucket{${labels(r, `,le="${le}"`)}} ${cumulative}`);
    });
    cumulative += buckets[LATENCY_BUCKETS_MS.length] ?? 0;
    out.push(`tributary_delivery_latency_ms_bucket{${labels(r, ',le="+Inf"')}} ${cumulative}`);
    out.push(`tributary_delivery_latency_ms_sum{${labels(r)}} ${r.latency_sum_ms ?? 0}`);
    out.push(`tributary_delivery_latency_ms_count{${labels(r)}} ${cumulative}`);
  }
  metric("tributary_connection_lag_events", "gauge", "Events committed but not yet settled for the connection (behind its cursor).");
  for (const r of rows) out.push(`tributary_connection_lag_events{${labels(r)}} ${r.lag}`);
  metric("tributary_connection_enabled", "gauge", "1 when the connection is enabled.");
  for (const r of rows) out.push(`tributary_connection_enabled{${labels(r)}} ${r.enabled ? 1 : 0}`);
  return `${out.join("\n")}\n`;
}
