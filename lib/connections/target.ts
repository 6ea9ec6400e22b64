import type pg from "pg";
import type { SecretBox } from "../crypto/secret-box";
import { apiKeyContext, hmacSecretContext } from "../crypto/secret-context";
import type { DeliveryTarget } from "../delivery/delivery-request";
import type { DeliverySettings } from "../delivery/delivery-settings";
import type { EventFilter } from "../delivery/event-filter";

/**
 * How a stored secret becomes a value: opened (to send it) or replaced by its hint (to show what was
 * sent). `context` is the row the ciphertext is bound to (lib/crypto/secret-context.ts).
 */
export type SecretReader = (secret: { sealed: string; hint: string; context: string }) => string;

export const openSecrets =
  (box: SecretBox): SecretReader =>
  (s) =>
    box.open(s.sealed, s.context);

export const maskSecrets: SecretReader = (s) => s.hint;

export type LoadedTarget = { target: DeliveryTarget; cursor: bigint; delivery: DeliverySettings };

type Row = {
  url: string;
  auth_type: "NONE" | "API_KEY" | "HMAC";
  cursor: string;
  format: DeliverySettings["format"];
  batch_max_events: number;
  batch_max_bytes: number;
  batch_max_wait_ms: number;
  compression: DeliverySettings["compression"];
  event_filter: EventFilter | null;
  max_event_age_seconds: number | null;
  keys: { key: string; sealed: string; hint: string; add_to: "HEADER" | "QUERY"; position: number }[];
  secrets: { id: string; sealed: string; hint: string }[];
};

/**
 * The one reader of a connection's destination, for the web app and the worker alike: URL and
 * authorization with API keys in their configured order and HMAC secrets oldest first (the order of
 * the signatures), and how events are sent (format, batch, compression, filter), in one round trip. Null when the organization has no such connection.
 */
export async function loadTarget(db: Pick<pg.Pool, "query">, organizationId: string, connectionId: string, read: SecretReader): Promise<LoadedTarget | null> {
  const found = await loadTargets(db, [{ id: connectionId, organizationId }]);
  const opened = found.get(connectionId);
  return opened ? opened(read) : null;
}

/**
 * `loadTarget` for many connections in one round trip (the streamers a worker starts together): per
 * connection that exists in its organization, a function that opens its secrets, so a secret that
 * cannot be opened fails its own connection only.
 */
export async function loadTargets(
  db: Pick<pg.Pool, "query">,
  connections: readonly { id: string; organizationId: string }[],
): Promise<Map<string, (read: SecretReader) => LoadedTarget>> {
  const out = new Map<string, (read: SecretReader) => LoadedTarget>();
  if (connections.length === 0) return out;
  const { rows } = await db.query<Row & { id: string }>(
    `SELECT c.id, c.url, c.auth_type::text AS auth_type, c.cursor::text AS cursor, c.format::text AS format, c.batch_max_events,
            c.batch_max_bytes, c.batch_max_wait_ms, c.compression::text AS compression, c.event_filter, c.max_event_age_seconds,
            coalesce((SELECT json_agg(json_build_object('key', k.key, 'sealed', k.value_encrypted, 'hint', k.value_hint, 'add_to', k.add_to, 'position', k.position) ORDER BY k.position)
                      FROM connection_api_keys k WHERE k.connection_id = c.id), '[]') AS keys,
            coalesce((SELECT json_agg(json_build_object('id', s.id, 'sealed', s.secret_encrypted, 'hint', s.hint) ORDER BY s.created_at, s.id)
                      FROM hmac_secrets s WHERE s.connection_id = c.id), '[]') AS secrets
     FROM connections c JOIN unnest($1::uuid[], $2::uuid[]) AS u(id, organization_id) ON c.id = u.id AND c.organization_id = u.organization_id
     WHERE c.id = ANY($1::uuid[])`,
    [connections.map((c) => c.id), connections.map((c) => c.organizationId)],
  );
  for (const row of rows) out.set(row.id, (read) => loadedTarget(row.id, row, read));
  return out;
}

function loadedTarget(connectionId: string, row: Row, read: SecretReader): LoadedTarget {
  return {
    target: { url: row.url, auth: authOf(connectionId, row, read) },
    cursor: BigInt(row.cursor),
    delivery: {
      format: row.format,
      batch: { maxEvents: row.batch_max_events, maxBytes: row.batch_max_bytes, maxWaitMs: row.batch_max_wait_ms },
      compression: row.compression,
      eventFilter: row.event_filter,
      maxEventAgeSeconds: row.max_event_age_seconds,
    },
  };
}

function authOf(connectionId: string, row: Row, read: SecretReader): DeliveryTarget["auth"] {
  if (row.auth_type === "API_KEY") {
    return { type: "API_KEY", keys: row.keys.map((k) => ({ key: k.key, value: read({ ...k, context: apiKeyContext(connectionId, k.position) }), addTo: k.add_to })) };
  }
  if (row.auth_type === "HMAC") return { type: "HMAC", secrets: row.secrets.map((s) => read({ ...s, context: hmacSecretContext(connectionId, s.id) })) };
  return { type: "NONE" };
}
