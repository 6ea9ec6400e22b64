import type pg from "pg";
import type { WireEvent } from "../events/envelope";

export type StoredEvent = { seq: bigint; event: WireEvent; body: string; createdAt: number };

const SELECT = `
  SELECT seq::text AS seq_text, id, transaction_id, event_type, severity::text,
         to_char(timestamp AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS ts,
         actor_email, actor_ip_address, actor_name, actor_user_id, actor_user_agent, data,
         (extract(epoch from created_at) * 1000)::float8 AS created_ms
  FROM events`;

type Row = {
  seq_text: string;
  id: string;
  transaction_id: string;
  event_type: string;
  severity: WireEvent["severity"];
  ts: string;
  actor_email: string | null;
  actor_ip_address: string | null;
  actor_name: string | null;
  actor_user_id: string | null;
  actor_user_agent: string | null;
  data: Record<string, unknown>;
  created_ms: number;
};

/** RFC 3339 with as many fraction digits as the time has (at least milliseconds). */
export function trimFraction(ts: string): string {
  return ts.replace(/\.(\d{3}\d*?)0*Z$/, ".$1Z");
}

function toStored(r: Row): StoredEvent {
  // Keys in the wire order; the body is exactly what is signed and sent.
  const event: WireEvent = {
    id: r.id,
    transaction_id: r.transaction_id,
    event_type: r.event_type,
    severity: r.severity,
    timestamp: trimFraction(r.ts),
    actor_email: r.actor_email,
    actor_ip_address: r.actor_ip_address,
    actor_name: r.actor_name,
    actor_user_id: r.actor_user_id,
    actor_user_agent: r.actor_user_agent,
    data: r.data ?? {},
  };
  return { seq: BigInt(r.seq_text), event, body: JSON.stringify(event), createdAt: r.created_ms };
}

/** The organization's next events after `afterSeq`, in order. */
export async function readEventsAfter(pool: pg.Pool, organizationId: string, afterSeq: bigint, limit: number): Promise<StoredEvent[]> {
  const { rows } = await pool.query<Row>(`${SELECT} WHERE organization_id = $1 AND seq > $2 ORDER BY events.seq LIMIT $3`, [
    organizationId,
    afterSeq.toString(),
    limit,
  ]);
  return rows.map(toStored);
}

export async function readEventsBySeq(pool: pg.Pool, organizationId: string, seqs: readonly bigint[]): Promise<StoredEvent[]> {
  if (seqs.length === 0) return [];
  const { rows } = await pool.query<Row>(`${SELECT} WHERE organization_id = $1 AND seq = ANY($2::bigint[]) ORDER BY events.seq`, [
    organizationId,
    seqs.map(String),
  ]);
  return rows.map(toStored);
}
