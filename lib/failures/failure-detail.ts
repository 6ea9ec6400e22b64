import type pg from "pg";
import { loadTarget, maskSecrets } from "../connections/target";
import { type NamedValue, requestParts } from "../delivery/delivery-request";
import { contentType } from "../delivery/formats/wire-format";
import { readEventsBySeq } from "../events/event-store";
import { isUuid } from "../validation";
import { SIGNATURE_HEADER, TIMESTAMP_HEADER } from "../delivery/hmac-signature";
import type { WireEvent } from "../events/envelope";
import { AppError } from "../errors";
import { findFailure } from "./failure-store";

export type FailureDetail = {
  id: string;
  connection: { id: string; name: string; url: string };
  event: WireEvent | null;
  /** The request's headers as sent, with every secret value masked. */
  requestHeaders: NamedValue[];
  queryKeys: NamedValue[];
  statusCode: number | null;
  error: string | null;
  responseExcerpt: string | null;
  attempt: number;
  attemptedAt: string;
  latencyMs: number;
  outcome: string;
};

const notFound = () => new AppError("NOT_FOUND", "No failed delivery with that id.");

/** One failed attempt with the event it carried and what was sent, built like the request itself with secrets masked. */
export async function loadFailureDetail(pool: pg.Pool, organizationId: string, id: string): Promise<FailureDetail> {
  if (!isUuid(id)) throw notFound();
  const f = await findFailure(pool, organizationId, id);
  if (!f) throw notFound();
  const [stored, masked] = await Promise.all([
    readEventsBySeq(pool, organizationId, [BigInt(f.event_seq)]),
    loadTarget(pool, organizationId, f.connection_id, maskSecrets),
  ]);
  if (!masked) throw notFound();
  const { target, delivery } = masked;
  const parts = requestParts(target);
  const headers: NamedValue[] = [{ name: "Content-Type", value: contentType(delivery.format) }];
  if (delivery.compression === "GZIP") headers.push({ name: "Content-Encoding", value: "gzip" });
  headers.push(...parts.headers);
  if (target.auth.type === "HMAC") {
    headers.push({ name: TIMESTAMP_HEADER, value: String(Math.floor(f.attempted_at.getTime() / 1000)) });
    headers.push({ name: SIGNATURE_HEADER, value: "•••• (HMAC-SHA256 per active secret)" });
  }
  const url = new URL(target.url);
  return {
    id: f.id,
    connection: { id: f.connection_id, name: f.connection_name, url: `${url.origin}${url.pathname}` },
    event: stored[0]?.event ?? null,
    requestHeaders: headers,
    queryKeys: parts.query,
    statusCode: f.status_code,
    error: f.error,
    responseExcerpt: f.response_excerpt,
    attempt: f.attempt,
    attemptedAt: f.attempted_at.toISOString(),
    latencyMs: f.latency_ms,
    outcome: f.outcome,
  };
}
