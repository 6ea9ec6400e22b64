import type pg from "pg";
import { isLegacySealed, type SecretBox } from "../crypto/secret-box";
import { apiKeyContext, hmacSecretContext } from "../crypto/secret-context";

export type ResealResult = { resealed: number; unreadable: number };

type Queryable = Pick<pg.Pool | pg.Client, "query">;

const TABLES = [
  {
    select: "SELECT id::text, connection_id::text, position, value_encrypted AS sealed FROM connection_api_keys WHERE value_encrypted LIKE 'v1.%'",
    update: "UPDATE connection_api_keys SET value_encrypted = $2 WHERE id = $1 AND value_encrypted = $3",
    context: (r: Row) => apiKeyContext(r.connection_id, r.position!),
  },
  {
    select: "SELECT id::text, connection_id::text, NULL::int AS position, secret_encrypted AS sealed FROM hmac_secrets WHERE secret_encrypted LIKE 'v1.%'",
    update: "UPDATE hmac_secrets SET secret_encrypted = $2 WHERE id = $1 AND secret_encrypted = $3",
    context: (r: Row) => hmacSecretContext(r.connection_id, r.id),
  },
];
type Row = { id: string; connection_id: string; position: number | null; sealed: string };

/**
 * Seals every secret stored before ciphertexts were bound to their rows (v1) again as v2. Run by
 * `npm start` after the migrations; idempotent, and safe beside running processes: a row is only
 * rewritten if it still holds the value read (a concurrent edit wins). A value that does not open
 * (another ENCRYPTION_KEY) is left as it is and counted.
 */
export async function resealLegacySecrets(db: Queryable, box: SecretBox): Promise<ResealResult> {
  const result: ResealResult = { resealed: 0, unreadable: 0 };
  for (const table of TABLES) {
    const { rows } = await db.query<Row>(table.select);
    for (const row of rows) {
      if (!isLegacySealed(row.sealed)) continue;
      const context = table.context(row);
      let plain: string;
      try {
        plain = box.open(row.sealed, context);
      } catch {
        result.unreadable++;
        continue;
      }
      const updated = await db.query(table.update, [row.id, box.seal(plain, context), row.sealed]);
      result.resealed += updated.rowCount ?? 0;
    }
  }
  return result;
}
