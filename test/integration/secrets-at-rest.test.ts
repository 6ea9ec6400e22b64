import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { testConnection } from "../../lib/connections/service";
import { resealLegacySecrets } from "../../lib/connections/reseal-secrets";
import { createSecretBox } from "../../lib/crypto/secret-box";
import { loadTarget, openSecrets } from "../../lib/connections/target";
import { createTestDatabase, type TestDatabase } from "../helpers/db";
import { sealV1 } from "../helpers/legacy-seal";
import { startReceiver, type Receiver } from "../helpers/receiver";
import { ENCRYPTION_KEY, streamed, streamingFixture, waitUntil } from "../helpers/streaming";

let t: TestDatabase;
let f: Awaited<ReturnType<typeof streamingFixture>>;
let a: Receiver;
let b: Receiver;
const key = Buffer.from(ENCRYPTION_KEY, "base64");
const box = createSecretBox(key);
const load = (connectionId: string) => loadTarget(f.pool, f.principal.organizationId, connectionId, openSecrets(box));

beforeEach(async () => {
  t = await createTestDatabase();
  f = await streamingFixture(t);
  [a, b] = await Promise.all([startReceiver(), startReceiver()]);
});
afterEach(async () => {
  await f.close();
  await Promise.all([a.close(), b.close()]);
  await t.drop();
});

const apiKeys = (...values: string[]) => ({
  type: "API_KEY",
  keys: values.map((value, i) => ({ key: `X-Key-${i}`, value, add_to: i === 0 ? "HEADER" : "QUERY" })),
});

describe("secrets at rest are bound to their rows", () => {
  it("does not open an API key ciphertext copied into another connection's row, and sends nothing with it", async () => {
    const victim = await f.connect(a, apiKeys("victim-key-0123456789"), "Victim");
    const other = await f.connect(b, apiKeys("other-key-9876543210"), "Other");
    await f.pool.query(
      `UPDATE connection_api_keys SET value_encrypted = (SELECT value_encrypted FROM connection_api_keys WHERE connection_id = $1 AND position = 0)
       WHERE connection_id = $2 AND position = 0`,
      [victim.id, other.id],
    );
    await expect(load(other.id)).rejects.toThrow(/could not be decrypted/);
    await expect(testConnection(f.deps, f.principal, other.id)).rejects.toThrow(/could not be decrypted/);
    expect(b.requests.map((r) => r.headers["x-key-0"])).toEqual(["other-key-9876543210"]);
    // The victim's own row still opens.
    expect((await load(victim.id))!.target.auth).toMatchObject({ keys: [{ value: "victim-key-0123456789" }] });
  });

  it("does not open API key values swapped between positions of one connection", async () => {
    const c = await f.connect(a, apiKeys("header-value-0000", "query-value-1111"));
    await f.pool.query(
      `UPDATE connection_api_keys k SET value_encrypted = o.value_encrypted FROM connection_api_keys o
       WHERE k.connection_id = $1 AND o.connection_id = $1 AND k.position <> o.position`,
      [c.id],
    );
    await expect(load(c.id)).rejects.toThrow(/could not be decrypted/);
  });

  it("does not open an HMAC secret moved to another connection", async () => {
    const victim = await f.connect(a, { type: "HMAC" }, "Victim");
    const other = await f.connect(b, { type: "HMAC" }, "Other");
    await f.pool.query("UPDATE hmac_secrets SET connection_id = $2 WHERE connection_id = $1", [victim.id, other.id]);
    await expect(load(other.id)).rejects.toThrow(/could not be decrypted/);
  });

  it("seals rows written before the binding (v1) again, once, and streams with them", async () => {
    const keyed = await f.connect(a, apiKeys("legacy-api-key-0123", "legacy-tags"));
    const signed = await f.connect(b, { type: "HMAC" });
    // Rewind both to the first release's format, as an upgraded installation has them.
    const rows = await f.pool.query<{ id: string; connection_id: string; position: number }>("SELECT id, connection_id, position FROM connection_api_keys");
    for (const r of rows.rows) {
      const plain = r.position === 0 ? "legacy-api-key-0123" : "legacy-tags";
      await f.pool.query("UPDATE connection_api_keys SET value_encrypted = $2 WHERE id = $1", [r.id, sealV1(key, plain)]);
    }
    await f.pool.query("UPDATE hmac_secrets SET secret_encrypted = $1", [sealV1(key, signed.hmacSecret!)]);
    expect((await load(keyed.id))!.target.auth).toMatchObject({ keys: [{ value: "legacy-api-key-0123" }, { value: "legacy-tags" }] });

    expect(await resealLegacySecrets(f.pool, box)).toEqual({ resealed: 3, unreadable: 0 });
    expect(await resealLegacySecrets(f.pool, box)).toEqual({ resealed: 0, unreadable: 0 });
    const stored = await f.pool.query<{ sealed: string }>(
      "SELECT value_encrypted AS sealed FROM connection_api_keys UNION ALL SELECT secret_encrypted FROM hmac_secrets",
    );
    expect(stored.rows.map((r) => r.sealed.slice(0, 3))).toEqual(["v2.", "v2.", "v2."]);

    await f.startWorker();
    await f.publish(f.events(3));
    await waitUntil(() => streamed(a).length === 3 && streamed(b).length === 3, 15_000, "both streams");
    expect(streamed(a).map((r) => [r.headers["x-key-0"], r.query.get("X-Key-1")])).toEqual(Array(3).fill(["legacy-api-key-0123", "legacy-tags"]));
    expect(streamed(b).every((r) => b.verifies(r, signed.hmacSecret!))).toBe(true);
  });

  it("counts, and leaves alone, a legacy value sealed with another key", async () => {
    await f.connect(a, apiKeys("value-under-current-key"));
    const foreign = sealV1(Buffer.alloc(32, 7), "sealed-elsewhere");
    await f.pool.query("UPDATE connection_api_keys SET value_encrypted = $1", [foreign]);
    expect(await resealLegacySecrets(f.pool, box)).toEqual({ resealed: 0, unreadable: 1 });
    expect((await f.pool.query("SELECT value_encrypted FROM connection_api_keys")).rows[0].value_encrypted).toBe(foreign);
  });
});
