import type pg from "pg";
import { AppError } from "../errors";
import { isUuid } from "../validation";
import { readEventsBySeq } from "../delivery/event-reader";
import { SIGNATURE_HEADER, TIMESTAMP_HEADER } from "../delivery/hmac-signature";
import { USER_AGENT } from "../delivery/delivery-request";
import type { WireEvent } from "../events/envelope";

export type FailureDetail = {
  id: string;
  connection: { id: string; name: string; url: string };
  event: WireEvent | null;
  /** The request's headers as sent, with every secret value masked. */
  requestHeaders: { name: string; value: string }[];
  queryKeys: { name: string; value: string }[];
  statusCode: number | null;
  error: string | null;
  responseExcerpt: string | null;
  attempt: number;
  attemptedAt: string;
  latencyMs: number;
  outcome: string;
};

/** One failed attempt with the event it carried and what was sent, secrets masked. */
export async function loadFailureDetail(pool: pg.Pool, organizationId: string, id: string): Promise<FailureDetail> {
  if (!isUuid(id)) throw new AppError("NOT_FOUND", "No failed delivery with that id.");
  const { rows } = await pool.query<{
    id: string;
    connection_id: string;
    name: string;
    url: string;
    auth_type: string;
    event_seq: string;
    status_code: number | null;
    error: string | null;
    response_excerpt: string | null;
    attempt: number;
    attempted_at: Date;
    latency_ms: number;
    outcome: string;
  }>(
    `SELECT f.id, f.connection_id, c.name, c.url, c.auth_type::text, f.event_seq::text, f.status_code, f.error, f.response_excerpt,
            f.attempt, f.attempted_at, f.latency_ms, f.outcome::text
     FROM delivery_failures f JOIN connections c ON c.id = f.connection_id
     WHERE f.id = $1 AND f.organization_id = $2`,
    [id, organizationId],
  );
  const f = rows[0];
  if (!f) throw new AppError("NOT_FOUND", "No failed delivery with that id.");
  const [stored] = await readEventsBySeq(pool, organizationId, [BigInt(f.event_seq)]);
  const headers = [
    { name: "Content-Type", value: "application/json" },
    { name: "User-Agent", value: USER_AGENT },
  ];
  const queryKeys: { name: string; value: string }[] = [];
  if (f.auth_type === "API_KEY") {
    const keys = await pool.query<{ key: string; value_hint: string; add_to: string }>(
      "SELECT key, value_hint, add_to::text FROM connection_api_keys WHERE connection_id = $1 ORDER BY position",
      [f.connection_id],
    );
    for (const k of keys.rows) (k.add_to === "QUERY" ? queryKeys : headers).push({ name: k.key, value: k.value_hint });
  } else if (f.auth_type === "HMAC") {
    headers.push({ name: TIMESTAMP_HEADER, value: String(Math.floor(f.attempted_at.getTime() / 1000)) });
    headers.push({ name: SIGNATURE_HEADER, value: "•••• (HMAC-SHA256 per active secret)" });
  }
  const url = new URL(f.url);
  return {
    id: f.id,
    connection: { id: f.connection_id, name: f.name, url: `${url.origin}${url.pathname}` },
    event: stored?.event ?? null,
    requestHeaders: headers,
    queryKeys,
    statusCode: f.status_code,
    error: f.error,
    responseExcerpt: f.response_excerpt,
    attempt: f.attempt,
    attemptedAt: f.attempted_at.toISOString(),
    latencyMs: f.latency_ms,
    outcome: f.outcome,
  };
}
