import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { addHmacSecret } from "../../lib/connections/service";
import { loadTarget, maskSecrets, openSecrets } from "../../lib/connections/target";
import { createTestDatabase, type TestDatabase } from "../helpers/db";
import { startReceiver, type Receiver } from "../helpers/receiver";
import { streamingFixture } from "../helpers/streaming";

let t: TestDatabase;
let f: Awaited<ReturnType<typeof streamingFixture>>;
let r: Receiver;

beforeEach(async () => {
  t = await createTestDatabase();
  f = await streamingFixture(t);
  r = await startReceiver();
});
afterEach(async () => {
  await f.close();
  await r.close();
  await t.drop();
});

describe("the destination reader", () => {
  it("opens API keys in their configured order, or shows only their hints", async () => {
    const keys = [
      { key: "DD-API-KEY", value: "dd-key-0123456789", add_to: "HEADER" },
      { key: "ddtags", value: "env:prod,team:sec", add_to: "QUERY" },
      { key: "X-Second", value: "second-value-42", add_to: "HEADER" },
    ];
    const { id } = await f.connect(r, { type: "API_KEY", keys });
    const opened = await loadTarget(f.pool, f.principal.organizationId, id, openSecrets(f.deps.box));
    expect(opened?.target).toEqual({ url: r.url, auth: { type: "API_KEY", keys: keys.map((k) => ({ key: k.key, value: k.value, addTo: k.add_to })) } });
    const masked = await loadTarget(f.pool, f.principal.organizationId, id, maskSecrets);
    expect(masked?.target.auth).toEqual({
      type: "API_KEY",
      keys: [
        { key: "DD-API-KEY", value: "••••6789", addTo: "HEADER" },
        { key: "ddtags", value: "••••:sec", addTo: "QUERY" },
        { key: "X-Second", value: "••••e-42", addTo: "HEADER" },
      ],
    });
    expect(JSON.stringify(masked?.target)).not.toContain("dd-key-0123456789");
  });

  it("gives HMAC secrets oldest first, the order of the signatures", async () => {
    const { id, hmacSecret } = await f.connect(r, { type: "HMAC" });
    const added = await addHmacSecret(f.deps, f.principal, id);
    const loaded = await loadTarget(f.pool, f.principal.organizationId, id, openSecrets(f.deps.box));
    expect(loaded?.target.auth).toEqual({ type: "HMAC", secrets: [hmacSecret, added.secret] });
    expect(typeof loaded?.cursor).toBe("bigint");
  });

  it("finds nothing for another organization's connection", async () => {
    const { id } = await f.connect(r);
    const other = await t.db.organization.create({ data: { name: "Other" } });
    expect(await loadTarget(f.pool, other.id, id, openSecrets(f.deps.box))).toBeNull();
    expect(await loadTarget(f.pool, f.principal.organizationId, id, openSecrets(f.deps.box))).not.toBeNull();
  });
});
