import type pg from "pg";

export type FailedAttempt = {
  organizationId: string;
  connectionId: string;
  eventSeq: bigint;
  eventId: string;
  eventType: string;
  attempt: number;
  attemptedAt: Date;
  statusCode: number | null;
  error: string | null;
  responseExcerpt: string | null;
  latencyMs: number;
  outcome: "RETRYING" | "GIVEN_UP" | "REJECTED";
};

/** Records one failed attempt for the 30-day list. */
export async function recordFailedAttempt(pool: pg.Pool, f: FailedAttempt): Promise<void> {
  await pool.query(
    `INSERT INTO delivery_failures (organization_id, connection_id, event_seq, event_id, event_type, attempt, attempted_at,
                                    status_code, error, response_excerpt, latency_ms, outcome)
     SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::"FailureOutcome"
     WHERE EXISTS (SELECT 1 FROM connections WHERE id = $2)`,
    [f.organizationId, f.connectionId, f.eventSeq.toString(), f.eventId, f.eventType, f.attempt, f.attemptedAt, f.statusCode, f.error, f.responseExcerpt, f.latencyMs, f.outcome],
  );
}

/** Updates the outcome of an event's earlier attempts that were still retrying. */
export async function settleRetryingAttempts(
  pool: pg.Pool,
  connectionId: string,
  eventSeq: bigint,
  outcome: "DELIVERED_LATER" | "GIVEN_UP",
): Promise<void> {
  await pool.query(
    `UPDATE delivery_failures SET outcome = $3::"FailureOutcome" WHERE connection_id = $1 AND event_seq = $2 AND outcome = 'RETRYING'`,
    [connectionId, eventSeq.toString(), outcome],
  );
}

/**
 * The events a previous streamer of this connection was still retrying when it stopped (disabled,
 * worker restart or crash), with how many attempts each had: the next streamer numbers its attempts
 * on from there and settles those rows when the event is delivered. Rows at or below the cursor
 * belong to events the stream will never send again (the 7-day rule skipped them): given up.
 */
export async function takeOverRetryingAttempts(pool: pg.Pool, connectionId: string, cursor: bigint): Promise<Map<bigint, number>> {
  await pool.query(
    `UPDATE delivery_failures SET outcome = 'GIVEN_UP' WHERE connection_id = $1 AND event_seq <= $2 AND outcome = 'RETRYING'`,
    [connectionId, cursor.toString()],
  );
  const { rows } = await pool.query<{ seq: string; attempts: number }>(
    `SELECT event_seq::text AS seq, max(attempt) AS attempts FROM delivery_failures
     WHERE connection_id = $1 AND event_seq > $2 AND outcome = 'RETRYING' GROUP BY event_seq`,
    [connectionId, cursor.toString()],
  );
  return new Map(rows.map((r) => [BigInt(r.seq), r.attempts]));
}
