import crypto from "node:crypto";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createFirstAdmin } from "../../lib/auth/accounts";
import type { Person, Principal } from "../../lib/auth/principal";
import {
  addHmacSecret,
  createConnection,
  deleteConnection,
  getConnection,
  listConnections,
  retireHmacSecret,
  type ServiceDeps,
  setEnabled,
  TEST_SENDS_PER_MINUTE,
  testConnection,
  updateConnection,
} from "../../lib/connections/service";
import { createSecretBox } from "../../lib/crypto/secret-box";
import { apiKeyContext, hmacSecretContext } from "../../lib/crypto/secret-context";
import { EXCERPT_CHARS } from "../../lib/delivery/attempt";
import { USER_AGENT } from "../../lib/delivery/delivery-request";
import { sign } from "../../lib/delivery/hmac-signature";
import { createHttpClient, type DeliveryHttpClient } from "../../lib/delivery/http-client";
import { parseAllowList } from "../../lib/delivery/outbound-guard";
import { wireEvent } from "../../lib/events/envelope";
import { EVENT_TYPES, TEST_MESSAGE } from "../../lib/events/event-types";
import { publishEvent } from "../../lib/events/publish";
import { AppError } from "../../lib/errors";
import { testConfig } from "../helpers/config";
import { createTestDatabase, type TestDatabase } from "../helpers/db";
import { freePort } from "../helpers/ports";
import { type ReceivedRequest, type Receiver, startReceiver } from "../helpers/receiver";

const SEED_KEYS = [
  "id",
  "transaction_id",
  "event_type",
  "severity",
  "timestamp",
  "actor_email",
  "actor_ip_address",
  "actor_name",
  "actor_user_id",
  "actor_user_agent",
  "data",
];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const DAY = 24 * 60 * 60 * 1000;

const loopback = parseAllowList(["127.0.0.0/8"]);
const box = createSecretBox(crypto.randomBytes(32));
const http = createHttpClient({ allow: loopback, connectTimeoutMs: 2_000, responseTimeoutMs: 5_000 });
const extraClients: DeliveryHttpClient[] = [];
afterAll(async () => {
  await Promise.all([http, ...extraClients].map((c) => c.close()));
});

let t: TestDatabase;
let receiver: Receiver;
let deps: ServiceDeps;
let principal: Principal & { user: Person };
const extraReceivers: Receiver[] = [];

// One database for the file (scrypt-hashing a first admin per test would dominate the run); each
// test starts from an organization with its admin and no connections or events.
beforeAll(async () => {
  t = await createTestDatabase();
  const admin = await createFirstAdmin(t.db, {
    organizationName: "Acme",
    name: "Ada Admin",
    email: "ada@example.com",
    password: "a long enough password",
    confirmPassword: "a long enough password",
  });
  principal = {
    organizationId: admin.organizationId,
    user: { id: admin.userId, email: admin.email, name: "Ada Admin" },
    ipAddress: "203.0.113.7",
    userAgent: "Mozilla/5.0 (vitest)",
  };
});
afterAll(async () => t.drop());

beforeEach(async () => {
  await t.db.event.deleteMany();
  await t.db.connection.deleteMany();
  await t.db.organization.deleteMany({ where: { id: { not: principal.organizationId } } });
  receiver = await startReceiver();
  deps = { db: t.db, pool: t.pool, config: testConfig({ OUTBOUND_ALLOW_CIDRS: "127.0.0.0/8" }), http, box, allow: loopback };
});

afterEach(async () => {
  await Promise.all([receiver, ...extraReceivers.splice(0)].map((r) => r.close()));
});

async function anotherReceiver(): Promise<Receiver> {
  const r = await startReceiver("/other");
  extraReceivers.push(r);
  return r;
}

function client(options: Parameters<typeof createHttpClient>[0]): DeliveryHttpClient {
  const c = createHttpClient(options);
  extraClients.push(c);
  return c;
}

/** The AppError a call throws; fails the test if it resolves or throws something else. */
async function failure(promise: Promise<unknown>): Promise<AppError> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  if (!(err instanceof AppError)) throw new Error(`expected an AppError, got ${err === null ? "success" : String(err)}`);
  return err;
}

const events = () => t.db.event.findMany({ orderBy: { seq: "asc" } });
const eventTypes = async () => (await events()).map((e) => e.eventType);
const stored = async () => ({
  connections: await t.db.connection.count(),
  apiKeys: await t.db.connectionApiKey.count(),
  hmacSecrets: await t.db.hmacSecret.count(),
  events: await t.db.event.count(),
});
const nothingStored = { connections: 0, apiKeys: 0, hmacSecrets: 0, events: 0 };

const none = (name = "Splunk HEC") => ({ name, url: receiver.url, auth: { type: "NONE" } });
const hmac = (name = "Custom SIEM") => ({ name, url: receiver.url, auth: { type: "HMAC" } });
const DD_KEY = "dd-0123456789abcdef-SECRET-9f3a";
const DD_TAGS = "env:prod,team:secops";
const datadog = (url = receiver.url) => ({
  name: "Datadog",
  url,
  auth: {
    type: "API_KEY",
    keys: [
      { key: "DD-API-KEY", value: DD_KEY, add_to: "HEADER" },
      { key: "ddtags", value: DD_TAGS, add_to: "QUERY" },
    ],
  },
});

function expectActor(e: { actorEmail: string | null; actorName: string | null; actorUserId: string | null; actorIpAddress: string | null; actorUserAgent: string | null }) {
  expect(e).toMatchObject({
    actorEmail: "ada@example.com",
    actorName: "Ada Admin",
    actorUserId: principal.user.id,
    actorIpAddress: "203.0.113.7",
    actorUserAgent: "Mozilla/5.0 (vitest)",
  });
}

/** JSON.stringify that also writes bigints (event seq), for "appears nowhere" checks. */
const json = (value: unknown) => JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? v.toString() : v));

const headerOf = (req: ReceivedRequest, name: string) => req.headers[name.toLowerCase()] as string | undefined;

describe("creating a connection", () => {
  it("sends exactly one seed-shaped test message with the acting admin, then saves it enabled", async () => {
    const result = await createConnection(deps, principal, none());

    expect(receiver.requests).toHaveLength(1);
    const req = receiver.requests[0]!;
    expect(req.method).toBe("POST");
    expect(req.path).toBe("/intake");
    expect(headerOf(req, "content-type")).toBe("application/json");
    expect(headerOf(req, "user-agent")).toBe(USER_AGENT);
    expect(headerOf(req, "x-opal-signature")).toBeUndefined();
    const body = req.json as Record<string, unknown>;
    expect(Object.keys(body)).toEqual(SEED_KEYS);
    expect(req.rawBody).toBe(JSON.stringify(body));
    expect(body).toEqual({
      id: expect.stringMatching(UUID),
      transaction_id: expect.stringMatching(UUID),
      event_type: "EVENT_STREAM_CONNECTIONS_TESTED",
      severity: "INFO",
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      actor_email: "ada@example.com",
      actor_ip_address: "203.0.113.7",
      actor_name: "Ada Admin",
      actor_user_id: principal.user.id,
      actor_user_agent: "Mozilla/5.0 (vitest)",
      data: { connection_type: "WEBHOOK", message: "This is a test message to validate the event stream connection" },
    });
    expect(Object.keys(body.data as object)).toEqual(["connection_type", "message"]);
    expect(Math.abs(Date.parse(body.timestamp as string) - Date.now())).toBeLessThan(60_000);

    expect(result.hmacSecret).toBeNull();
    expect(result.test).toMatchObject({ ok: true, status: 200, error: null, response_excerpt: '{"ok":true}' });
    expect(result.connection).toMatchObject({
      id: expect.stringMatching(UUID),
      name: "Splunk HEC",
      url: receiver.url,
      enabled: true,
      disabled_at: null,
      disabled_reason: null,
      disabled_by: null,
      auth: { type: "NONE", keys: [], hmac_secrets: [] },
      created_by: { id: principal.user.id, email: "ada@example.com", name: "Ada Admin" },
    });

    const [tested, created, ...rest] = await events();
    expect(rest).toEqual([]);
    expect(tested).toMatchObject({
      id: body.id,
      transactionId: body.transaction_id,
      eventType: EVENT_TYPES.connectionTested,
      organizationId: principal.organizationId,
      data: { connection_type: "WEBHOOK", message: TEST_MESSAGE },
    });
    expect(tested!.timestamp.toISOString()).toBe(body.timestamp);
    expectActor(tested!);
    expect(created).toMatchObject({
      eventType: EVENT_TYPES.connectionCreated,
      transactionId: body.transaction_id,
      data: { connection_id: result.connection.id, connection_name: "Splunk HEC", url_host: `127.0.0.1:${receiver.port}`, auth_type: "NONE" },
    });
    expectActor(created!);

    // It streams what happens from its own test event on: the CREATED audit event is next.
    const row = await t.db.connection.findUniqueOrThrow({ where: { id: result.connection.id } });
    expect(row.cursor).toBe(tested!.seq);
    expect(await listConnections(deps, principal.organizationId)).toEqual([result.connection]);
  });

  it("sends API keys as headers and query parameters and stores them only encrypted", async () => {
    const result = await createConnection(deps, principal, datadog(`${receiver.url}?source=tributary`));

    const req = (await receiver.waitFor(1))[0]!;
    expect(headerOf(req, "DD-API-KEY")).toBe(DD_KEY);
    expect(req.query.get("ddtags")).toBe(DD_TAGS);
    expect(req.query.get("source")).toBe("tributary");
    expect(req.query.get("DD-API-KEY")).toBeNull();
    expect(headerOf(req, "ddtags")).toBeUndefined();

    const keys = await t.db.connectionApiKey.findMany({ orderBy: { position: "asc" } });
    expect(keys.map((k) => [k.position, k.key, k.addTo, k.valueHint])).toEqual([
      [0, "DD-API-KEY", "HEADER", "••••9f3a"],
      [1, "ddtags", "QUERY", "••••cops"],
    ]);
    expect(keys[0]!.valueEncrypted).not.toContain(DD_KEY);
    expect(keys[0]!.valueEncrypted).not.toContain("SECRET");
    expect(keys[1]!.valueEncrypted).not.toContain(DD_TAGS);
    expect(keys.map((k) => box.open(k.valueEncrypted, apiKeyContext(k.connectionId, k.position)))).toEqual([DD_KEY, DD_TAGS]);

    expect(result.connection.url).toBe(`${receiver.url}?source=tributary`);
    expect(result.connection.auth).toEqual({
      type: "API_KEY",
      keys: [
        { key: "DD-API-KEY", add_to: "HEADER", value_hint: "••••9f3a" },
        { key: "ddtags", add_to: "QUERY", value_hint: "••••cops" },
      ],
      hmac_secrets: [],
    });
    const everything = json([
      result,
      await getConnection(deps, principal.organizationId, result.connection.id),
      await listConnections(deps, principal.organizationId),
      await events(),
    ]);
    expect(everything).not.toContain(DD_KEY);
    expect(everything).not.toContain(DD_TAGS);
  });

  it("returns a new HMAC secret once, signs the test with it and never shows it again", async () => {
    const result = await createConnection(deps, principal, hmac());
    const secret = result.hmacSecret!;
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43,}$/);

    const req = (await receiver.waitFor(1))[0]!;
    expect(receiver.verifies(req, secret)).toBe(true);
    expect(receiver.verifies(req, crypto.randomBytes(32).toString("base64url"))).toBe(false);
    const timestamp = Number(headerOf(req, "x-opal-request-timestamp"));
    expect(Math.abs(timestamp - Date.now() / 1000)).toBeLessThan(60);
    expect(headerOf(req, "x-opal-signature")).toBe(sign(secret, timestamp, req.rawBody));

    expect(result.connection.auth.type).toBe("HMAC");
    expect(result.connection.auth.hmac_secrets).toEqual([{ id: expect.stringMatching(UUID), created_at: expect.any(String), hint: `••••${secret.slice(-4)}` }]);
    const row = await t.db.hmacSecret.findFirstOrThrow();
    expect(row.secretEncrypted).not.toContain(secret);
    expect(box.open(row.secretEncrypted, hmacSecretContext(row.connectionId, row.id))).toBe(secret);
    const shown = json([result.connection, await listConnections(deps, principal.organizationId), await events()]);
    expect(shown).not.toContain(secret);

    const second = await createConnection(deps, principal, hmac("Second"));
    expect(second.hmacSecret).not.toBe(secret);
  });

  describe("when the test message is not accepted", () => {
    it("refuses a 500 answer with its status and excerpt and saves nothing", async () => {
      receiver.respondWith({ status: 500, body: "intake is down" });
      const err = await failure(createConnection(deps, principal, none()));
      expect(err.code).toBe("DESTINATION_TEST_FAILED");
      expect(err.status).toBe(422);
      expect(err.details).toEqual({
        ok: false,
        status: 500,
        latency_ms: expect.any(Number),
        error: "The destination answered 500 Internal Server Error; only a 2xx answer counts as success.",
        response_excerpt: "intake is down",
      });
      expect(err.message).toMatch(/^The test event was not accepted, so nothing was saved\. The destination answered 500/);
      expect(receiver.requests).toHaveLength(1);
      expect(await stored()).toEqual(nothingStored);
    });

    it("refuses plain http:// to a public address with INSECURE_DESTINATION, before sending anything", async () => {
      const err = await failure(createConnection(deps, principal, { ...none(), url: "http://8.8.8.8/intake" }));
      expect(err.code).toBe("INSECURE_DESTINATION");
      expect(err.status).toBe(400);
      expect(err.message).toContain("Use https:// for 8.8.8.8");
      expect(await stored()).toEqual(nothingStored);

      const { connection } = await createConnection(deps, principal, none());
      const edit = await failure(updateConnection(deps, principal, connection.id, { url: "http://8.8.8.8/intake" }));
      expect(edit.code).toBe("INSECURE_DESTINATION");
      expect((await getConnection(deps, principal.organizationId, connection.id)).url).toBe(receiver.url);
    });

    it("refuses a redirect instead of following it", async () => {
      const other = await anotherReceiver();
      receiver.respondWith({ status: 302, headers: { location: other.url } });
      const err = await failure(createConnection(deps, principal, none()));
      expect(err.code).toBe("DESTINATION_TEST_FAILED");
      expect(err.details).toMatchObject({ ok: false, status: 302 });
      expect(other.requests).toHaveLength(0);
      expect(await stored()).toEqual(nothingStored);
    });

    it("refuses a destination that answers too late", async () => {
      const impatient = client({ allow: loopback, connectTimeoutMs: 1_000, responseTimeoutMs: 250 });
      receiver.respondWith({ status: 200, delayMs: 1_500 });
      const started = Date.now();
      const err = await failure(createConnection({ ...deps, http: impatient }, principal, none()));
      expect(Date.now() - started).toBeLessThan(1_400);
      expect(err.code).toBe("DESTINATION_TEST_FAILED");
      expect(err.details).toEqual({
        ok: false,
        status: null,
        latency_ms: expect.any(Number),
        error: "No complete response within 250 ms.",
        response_excerpt: null,
      });
      expect((err.details as { latency_ms: number }).latency_ms).toBeGreaterThanOrEqual(200);
      expect(await stored()).toEqual(nothingStored);
    });

    it("refuses a closed port as connection refused", async () => {
      const port = await freePort();
      const err = await failure(createConnection(deps, principal, { ...none(), url: `http://127.0.0.1:${port}/intake` }));
      expect(err.code).toBe("DESTINATION_TEST_FAILED");
      expect(err.details).toEqual({
        ok: false,
        status: null,
        latency_ms: expect.any(Number),
        error: "Connection refused: nothing is listening at that address and port.",
        response_excerpt: null,
      });
      expect(await stored()).toEqual(nothingStored);
    });
  });

  describe("validation", () => {
    const withKeys = (keys: unknown[]) => ({ name: "K", url: "http://127.0.0.1:9/", auth: { type: "API_KEY", keys } });
    const key = (k: string, extra: object = {}) => ({ key: k, value: "value-1234", add_to: "HEADER", ...extra });

    it.each([
      ["an empty name", () => ({ ...none(), name: "   " }), "name"],
      ["an ftp:// URL", () => ({ ...none(), url: "ftp://127.0.0.1/intake" }), "url"],
      ["a URL without a scheme", () => ({ ...none(), url: "logs.example.com/intake" }), "url"],
      ["credentials in the URL", () => ({ ...none(), url: receiver.url.replace("http://", "http://user:pw@") }), "url"],
      ["a header name with a space", () => ({ ...withKeys([key("Bad Header")]), url: receiver.url }), "auth.keys.0.key"],
      ["an X-Opal-* header", () => ({ ...withKeys([key("X-Opal-Foo")]), url: receiver.url }), "auth.keys.0.key"],
      ["the Host header", () => ({ ...withKeys([key("Host")]), url: receiver.url }), "auth.keys.0.key"],
      ["the Content-Type header", () => ({ ...withKeys([key("Content-Type")]), url: receiver.url }), "auth.keys.0.key"],
      ["an unknown auth type", () => ({ ...none(), auth: { type: "BASIC" } }), "auth.type"],
      ["six keys", () => ({ ...withKeys([1, 2, 3, 4, 5, 6].map((i) => key(`X-Key-${i}`))), url: receiver.url }), "auth.keys"],
      ["the same header twice", () => ({ ...withKeys([key("DD-API-KEY"), key("dd-api-key")]), url: receiver.url }), "auth.keys.1.key"],
      ["a key without a value", () => ({ ...withKeys([{ key: "DD-API-KEY", add_to: "HEADER" }]), url: receiver.url }), "auth.keys.0.value"],
      ["a value with a line break", () => ({ ...withKeys([key("X-Key", { value: "a\r\nX-Evil: 1" })]), url: receiver.url }), "auth.keys.0.value"],
      ["a body that is not an object", () => "Splunk", ""],
    ])("refuses %s with VALIDATION_FAILED, sending and storing nothing", async (_label, input, path) => {
      const err = await failure(createConnection(deps, principal, input()));
      expect(err.code).toBe("VALIDATION_FAILED");
      expect(err.status).toBe(400);
      expect((err.details as { path: string }[]).map((d) => d.path)).toContain(path);
      expect(receiver.requests).toHaveLength(0);
      expect(await stored()).toEqual(nothingStored);
    });
  });

  describe("outbound guard", () => {
    const denyAll = parseAllowList([]);
    const guarded = () => ({ ...deps, allow: denyAll, http: client({ allow: denyAll, connectTimeoutMs: 5_000, responseTimeoutMs: 5_000 }) });

    it.each([
      ["http://127.0.0.1:PORT/intake", "loopback"],
      ["http://localhost:PORT/intake", "loopback"],
      ["http://[::1]:PORT/intake", "loopback"],
      ["http://[::ffff:127.0.0.1]:PORT/intake", "loopback"],
      ["http://2130706433:PORT/intake", "loopback"],
      ["http://0.0.0.0:PORT/intake", "unspecified"],
      ["http://10.0.0.1/", "private"],
      ["http://192.168.1.1/", "private"],
      ["http://100.64.0.1/", "carrierGradeNat"],
      ["http://169.254.169.254/latest/meta-data/", "linkLocal"],
      ["http://[fd00::1]/", "uniqueLocal"],
    ])("refuses %s (%s) at once, before any request", async (template, range) => {
      const started = Date.now();
      const err = await failure(createConnection(guarded(), principal, { ...none(), url: template.replace("PORT", String(receiver.port)) }));
      expect(Date.now() - started).toBeLessThan(1_000);
      expect(err.code).toBe("DESTINATION_NOT_ALLOWED");
      expect(err.status).toBe(400);
      expect(err.details).toMatchObject({ range });
      expect(err.message).toMatch(/OUTBOUND_ALLOW_CIDRS/);
      expect(receiver.requests).toHaveLength(0);
      expect(await stored()).toEqual(nothingStored);
    });

    it("refuses at connect time too, when the address was allowed by the save-time check (DNS rebinding)", async () => {
      // The save-time check allows loopback, the HTTP client does not: only the connect-time lookup guard stands.
      const rebinding = { ...deps, http: client({ allow: denyAll, connectTimeoutMs: 2_000, responseTimeoutMs: 2_000 }) };
      const err = await failure(createConnection(rebinding, principal, { ...none(), url: `http://localhost:${receiver.port}/intake` }));
      expect(err.code).toBe("DESTINATION_TEST_FAILED");
      expect((err.details as { error: string }).error).toMatch(/localhost resolves to 127\.0\.0\.1, a loopback address/);
      expect(receiver.requests).toHaveLength(0);
      expect(await stored()).toEqual(nothingStored);
    });

    it("sends to loopback when the operator allows it", async () => {
      await createConnection(deps, principal, { ...none(), url: `http://localhost:${receiver.port}/intake` });
      expect(receiver.requests).toHaveLength(1);
    });

    it("reports a refused saved destination as a failed test, and audits the test", async () => {
      const { connection } = await createConnection(deps, principal, none());
      const outcome = await testConnection(guarded(), principal, connection.id);
      expect(outcome).toEqual({
        ok: false,
        status: null,
        latency_ms: 0,
        error: expect.stringMatching(/127\.0\.0\.1 resolves to 127\.0\.0\.1, a loopback address/),
        response_excerpt: null,
      });
      expect(receiver.requests).toHaveLength(1);
      expect(await eventTypes()).toEqual([EVENT_TYPES.connectionTested, EVENT_TYPES.connectionCreated, EVENT_TYPES.connectionTested]);
    });
  });
});

describe("the connection limit", () => {
  it("refuses a fourth connection without testing it, and allows one again after a delete", async () => {
    const ids: string[] = [];
    for (const n of [1, 2, 3]) ids.push((await createConnection(deps, principal, none(`C${n}`))).connection.id);
    const err = await failure(createConnection(deps, principal, none("C4")));
    expect(err.code).toBe("CONNECTION_LIMIT_REACHED");
    expect(err.status).toBe(409);
    expect(err.details).toEqual({ limit: 3 });
    expect(err.message).toBe("An organization can have at most 3 event streaming connections. Delete one to add another.");
    expect(receiver.requests).toHaveLength(3);
    expect(await t.db.connection.count()).toBe(3);

    await deleteConnection(deps, principal, ids[0]!);
    await createConnection(deps, principal, none("C4"));
    expect(await t.db.connection.count()).toBe(3);
  });

  it("follows MAX_CONNECTIONS_PER_ORG", async () => {
    const one = { ...deps, config: testConfig({ OUTBOUND_ALLOW_CIDRS: "127.0.0.0/8", MAX_CONNECTIONS_PER_ORG: "1" }) };
    await createConnection(one, principal, none());
    expect((await failure(createConnection(one, principal, none("2")))).details).toEqual({ limit: 1 });
  });

  it("lets exactly three of six concurrent creates through", async () => {
    // Slow answers keep all six tests in flight at once, so every create passes the early check.
    receiver.respondWith({ status: 200, delayMs: 300 });
    const results = await Promise.allSettled([1, 2, 3, 4, 5, 6].map((n) => createConnection(deps, principal, none(`Race ${n}`))));
    expect(receiver.requests).toHaveLength(6);
    const rejected = results.filter((r) => r.status === "rejected").map((r) => (r as PromiseRejectedResult).reason);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(3);
    expect(rejected.map((e) => (e as AppError).code)).toEqual(["CONNECTION_LIMIT_REACHED", "CONNECTION_LIMIT_REACHED", "CONNECTION_LIMIT_REACHED"]);
    expect(await t.db.connection.count()).toBe(3);
    const types = await eventTypes();
    expect(types.filter((e) => e === EVENT_TYPES.connectionCreated)).toHaveLength(3);
    expect(types.filter((e) => e === EVENT_TYPES.connectionTested)).toHaveLength(3);
  });

  it("counts per organization", async () => {
    const other = await t.db.organization.create({ data: { name: "Other" } });
    await t.db.connection.createMany({
      data: [1, 2, 3].map((n) => ({ organizationId: other.id, name: `O${n}`, url: "https://o.example.com/", authType: "NONE" as const })),
    });
    await createConnection(deps, principal, none());
    expect(await t.db.connection.count({ where: { organizationId: principal.organizationId } })).toBe(1);
  });
});

describe("editing a connection", () => {
  it("renames without sending a test", async () => {
    const { connection } = await createConnection(deps, principal, none());
    const result = await updateConnection(deps, principal, connection.id, { name: "  Renamed  " });
    expect(result.test).toBeNull();
    expect(result.hmacSecret).toBeNull();
    expect(result.connection.name).toBe("Renamed");
    expect(receiver.requests).toHaveLength(1);
    const last = (await events()).at(-1)!;
    expect(last).toMatchObject({ eventType: EVENT_TYPES.connectionUpdated, data: { connection_id: connection.id, connection_name: "Renamed", changed: ["name"] } });
    expectActor(last);
  });

  it("records nothing when nothing changes", async () => {
    const { connection } = await createConnection(deps, principal, none());
    await updateConnection(deps, principal, connection.id, { name: connection.name, url: connection.url, auth: { type: "NONE" } });
    expect(receiver.requests).toHaveLength(1);
    expect(await eventTypes()).toEqual([EVENT_TYPES.connectionTested, EVENT_TYPES.connectionCreated]);
  });

  it("tests a new URL before saving it", async () => {
    const { connection } = await createConnection(deps, principal, none());
    const other = await anotherReceiver();
    const result = await updateConnection(deps, principal, connection.id, { url: other.url });
    expect(result.test).toMatchObject({ ok: true, status: 200 });
    expect(other.requests).toHaveLength(1);
    expect(other.requests[0]!.json).toMatchObject({ event_type: EVENT_TYPES.connectionTested, actor_email: "ada@example.com" });
    expect(result.connection.url).toBe(other.url);
    const [tested, updated] = (await events()).slice(-2);
    expect(tested).toMatchObject({ eventType: EVENT_TYPES.connectionTested, id: (other.requests[0]!.json as { id: string }).id });
    expect(updated).toMatchObject({
      eventType: EVENT_TYPES.connectionUpdated,
      transactionId: tested!.transactionId,
      data: { changed: ["url"], url_host: `127.0.0.1:${other.port}` },
    });
  });

  it("leaves the connection unchanged when the new URL's test fails", async () => {
    const { connection } = await createConnection(deps, principal, datadog());
    const before = await t.db.connection.findUniqueOrThrow({ where: { id: connection.id }, include: { apiKeys: true } });
    const eventsBefore = await t.db.event.count();
    const other = await anotherReceiver();
    other.respondWith({ status: 403, body: "forbidden" });

    const err = await failure(
      updateConnection(deps, principal, connection.id, {
        name: "Should not stick",
        url: other.url,
        auth: { type: "API_KEY", keys: [{ key: "X-New", value: "new-value-5678", add_to: "HEADER" }] },
      }),
    );
    expect(err.code).toBe("DESTINATION_TEST_FAILED");
    expect(err.details).toMatchObject({ ok: false, status: 403, response_excerpt: "forbidden" });
    expect(other.requests).toHaveLength(1);
    expect(await t.db.connection.findUniqueOrThrow({ where: { id: connection.id }, include: { apiKeys: true } })).toEqual(before);
    expect(await t.db.event.count()).toBe(eventsBefore);
  });

  it("keeps a stored API key value that an edit leaves out while the URL stays on its origin", async () => {
    const { connection } = await createConnection(deps, principal, datadog());
    const result = await updateConnection(deps, principal, connection.id, {
      url: `${receiver.url}/v2`,
      auth: {
        type: "API_KEY",
        keys: [
          { key: "DD-API-KEY", add_to: "HEADER" },
          { key: "ddtags", value: "", add_to: "QUERY" },
        ],
      },
    });
    const req = (await receiver.waitFor(2))[1]!;
    expect(req.path).toBe("/intake/v2");
    expect(headerOf(req, "dd-api-key")).toBe(DD_KEY);
    expect(req.query.get("ddtags")).toBe(DD_TAGS);
    expect(result.connection.auth.keys.map((k) => k.value_hint)).toEqual(["••••9f3a", "••••cops"]);
    const keys = await t.db.connectionApiKey.findMany({ orderBy: { position: "asc" } });
    expect(keys.map((k) => box.open(k.valueEncrypted, apiKeyContext(k.connectionId, k.position)))).toEqual([DD_KEY, DD_TAGS]);
    expect((await events()).at(-1)!.data).toMatchObject({ changed: ["url"] });

    // Still sent on the next test of the saved connection.
    await testConnection(deps, principal, connection.id);
    expect(headerOf((await receiver.waitFor(3))[2]!, "dd-api-key")).toBe(DD_KEY);
  });

  describe("a URL on another origin", () => {
    it("refuses a URL-only edit of an API key connection: stored values are never sent to the new origin", async () => {
      const { connection } = await createConnection(deps, principal, datadog());
      const before = await t.db.connection.findUniqueOrThrow({ where: { id: connection.id }, include: { apiKeys: true } });
      const eventsBefore = await t.db.event.count();
      const other = await anotherReceiver();

      const err = await failure(updateConnection(deps, principal, connection.id, { url: other.url }));
      expect(err.code).toBe("VALIDATION_FAILED");
      expect(err.status).toBe(400);
      expect(err.message).toContain(`moves from ${new URL(receiver.url).origin} to ${new URL(other.url).origin}`);
      expect(err.details).toEqual([{ path: "auth", message: expect.stringContaining("Enter every value again") }]);

      // The edit form's shape: keys listed, values left blank.
      const blank = await failure(
        updateConnection(deps, principal, connection.id, {
          url: other.url,
          auth: { type: "API_KEY", keys: [{ key: "DD-API-KEY", value: "", add_to: "HEADER" }, { key: "ddtags", add_to: "QUERY" }] },
        }),
      );
      expect(blank.code).toBe("VALIDATION_FAILED");
      expect(blank.details).toEqual([
        { path: "auth.keys.0.value", message: "Enter this value again: stored values are not sent to a new origin." },
        { path: "auth.keys.1.value", message: "Enter this value again: stored values are not sent to a new origin." },
      ]);

      expect(other.requests).toHaveLength(0);
      expect(await t.db.connection.findUniqueOrThrow({ where: { id: connection.id }, include: { apiKeys: true } })).toEqual(before);
      expect(await t.db.event.count()).toBe(eventsBefore);
    });

    it("sends and stores API key values entered again for the new origin", async () => {
      const { connection } = await createConnection(deps, principal, datadog());
      const other = await anotherReceiver();
      await updateConnection(deps, principal, connection.id, {
        url: other.url,
        auth: { type: "API_KEY", keys: [{ key: "DD-API-KEY", value: "key-for-the-new-place-1234", add_to: "HEADER" }] },
      });
      const req = (await other.waitFor(1))[0]!;
      expect(headerOf(req, "dd-api-key")).toBe("key-for-the-new-place-1234");
      expect(req.rawBody).not.toContain(DD_KEY);
      const keys = await t.db.connectionApiKey.findMany();
      expect(keys.map((k) => box.open(k.valueEncrypted, apiKeyContext(k.connectionId, k.position)))).toEqual(["key-for-the-new-place-1234"]);
    });

    it("gives an HMAC connection a new secret, shown once, and retires the old ones", async () => {
      const created = await createConnection(deps, principal, hmac());
      await addHmacSecret(deps, principal, created.connection.id);
      const other = await anotherReceiver();

      const result = await updateConnection(deps, principal, created.connection.id, { url: other.url });
      expect(result.hmacSecret).toMatch(/\S{32,}/);
      expect(result.hmacSecret).not.toBe(created.hmacSecret);
      const req = (await other.waitFor(1))[0]!;
      expect(other.verifies(req, result.hmacSecret!)).toBe(true);
      expect(other.verifies(req, created.hmacSecret!)).toBe(false);
      expect(String(req.headers["x-opal-signature"]).split(",")).toHaveLength(1);
      const secrets = await t.db.hmacSecret.findMany({ where: { connectionId: created.connection.id } });
      expect(secrets.map((s) => box.open(s.secretEncrypted, hmacSecretContext(s.connectionId, s.id)))).toEqual([result.hmacSecret]);
      expect(result.connection.auth.hmac_secrets).toHaveLength(1);
      expect((await events()).at(-1)!.data).toMatchObject({ changed: ["url", "auth"] });
    });

    it("keeps HMAC secrets for a new path on the same origin", async () => {
      const created = await createConnection(deps, principal, hmac());
      const result = await updateConnection(deps, principal, created.connection.id, { url: `${receiver.url}/v2` });
      expect(result.hmacSecret).toBeNull();
      expect(receiver.verifies((await receiver.waitFor(2))[1]!, created.hmacSecret!)).toBe(true);
    });
  });

  it("tests and stores a changed API key value", async () => {
    const { connection } = await createConnection(deps, principal, datadog());
    await updateConnection(deps, principal, connection.id, {
      auth: { type: "API_KEY", keys: [{ key: "DD-API-KEY", value: "rotated-value-0000-abcd", add_to: "HEADER" }] },
    });
    const req = (await receiver.waitFor(2))[1]!;
    expect(headerOf(req, "dd-api-key")).toBe("rotated-value-0000-abcd");
    expect(req.query.get("ddtags")).toBeNull();
    const keys = await t.db.connectionApiKey.findMany();
    expect(keys.map((k) => [k.key, box.open(k.valueEncrypted, apiKeyContext(k.connectionId, k.position))])).toEqual([["DD-API-KEY", "rotated-value-0000-abcd"]]);
    expect((await events()).at(-1)!.data).toMatchObject({ changed: ["auth"] });
  });

  it("refuses to keep a value for a key that has none stored, without sending", async () => {
    const { connection } = await createConnection(deps, principal, datadog());
    const err = await failure(
      updateConnection(deps, principal, connection.id, {
        url: `${receiver.url}?v=2`,
        auth: { type: "API_KEY", keys: [{ key: "DD-API-KEY", add_to: "HEADER" }, { key: "X-Other", add_to: "HEADER" }] },
      }),
    );
    expect(err.code).toBe("VALIDATION_FAILED");
    expect(err.details).toEqual([{ path: "auth.keys.1.value", message: "Enter a value (this key has no stored value to keep)." }]);
    expect(receiver.requests).toHaveLength(1);
  });

  it("switches to HMAC with a new secret that signs the test, and back to NONE dropping the secret", async () => {
    const { connection } = await createConnection(deps, principal, datadog());
    const toHmac = await updateConnection(deps, principal, connection.id, { auth: { type: "HMAC" } });
    const secret = toHmac.hmacSecret!;
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43,}$/);
    const signed = (await receiver.waitFor(2))[1]!;
    expect(receiver.verifies(signed, secret)).toBe(true);
    expect(headerOf(signed, "dd-api-key")).toBeUndefined();
    expect(await t.db.connectionApiKey.count()).toBe(0);
    expect(toHmac.connection.auth).toMatchObject({ type: "HMAC", keys: [], hmac_secrets: [{ hint: `••••${secret.slice(-4)}` }] });

    const toNone = await updateConnection(deps, principal, connection.id, { auth: { type: "NONE" } });
    expect(toNone.hmacSecret).toBeNull();
    expect(toNone.connection.auth).toEqual({ type: "NONE", keys: [], hmac_secrets: [] });
    expect(await t.db.hmacSecret.count()).toBe(0);
    expect(headerOf((await receiver.waitFor(3))[2]!, "x-opal-signature")).toBeUndefined();
  });

  it("keeps the HMAC secrets when HMAC is chosen again", async () => {
    const { connection, hmacSecret } = await createConnection(deps, principal, hmac());
    const result = await updateConnection(deps, principal, connection.id, { auth: { type: "HMAC" }, name: "Same auth" });
    expect(result.hmacSecret).toBeNull();
    expect(result.test).toBeNull();
    expect(result.connection.auth.hmac_secrets).toEqual(connection.auth.hmac_secrets);
    await testConnection(deps, principal, connection.id);
    expect(receiver.verifies((await receiver.waitFor(2))[1]!, hmacSecret!)).toBe(true);
  });

  it("refuses unknown fields", async () => {
    const { connection } = await createConnection(deps, principal, none());
    const err = await failure(updateConnection(deps, principal, connection.id, { cursor: 0 }));
    expect(err.code).toBe("VALIDATION_FAILED");
  });

  it("can disable in the same edit", async () => {
    const { connection } = await createConnection(deps, principal, none());
    const result = await updateConnection(deps, principal, connection.id, { name: "Paused", enabled: false });
    expect(result.connection).toMatchObject({ name: "Paused", enabled: false, disabled_reason: "MANUAL" });
    expect((await eventTypes()).slice(-2)).toEqual([EVENT_TYPES.connectionUpdated, EVENT_TYPES.connectionDisabled]);
  });
});

describe("enabling and disabling", () => {
  async function hostEvent(n = 1) {
    for (let i = 0; i < n; i++) {
      await t.db.$transaction((tx) => publishEvent(tx, principal.organizationId, wireEvent({ eventType: "USER_SIGNED_IN", data: { i } })));
    }
  }
  const row = (id: string) => t.db.connection.findUniqueOrThrow({ where: { id } });

  it("records who disabled it, when and why, and publishes DISABLED once", async () => {
    const clock = new Date("2030-01-01T00:00:00.000Z");
    const { connection } = await createConnection(deps, principal, none());
    const dto = await setEnabled({ ...deps, now: () => clock }, principal, connection.id, false);
    expect(dto).toMatchObject({
      enabled: false,
      disabled_at: "2030-01-01T00:00:00.000Z",
      disabled_reason: "MANUAL",
      disabled_by: { id: principal.user.id, email: "ada@example.com", name: "Ada Admin" },
    });
    expect(await row(connection.id)).toMatchObject({ enabled: false, disabledAt: clock, disabledReason: "MANUAL", disabledById: principal.user.id });
    const last = (await events()).at(-1)!;
    expect(last).toMatchObject({ eventType: EVENT_TYPES.connectionDisabled, data: { connection_id: connection.id, reason: "MANUAL" } });
    expectActor(last);

    await setEnabled(deps, principal, connection.id, false);
    expect((await eventTypes()).filter((e) => e === EVENT_TYPES.connectionDisabled)).toHaveLength(1);
    expect(receiver.requests).toHaveLength(1);
  });

  it("resumes from the paused position when re-enabled within 7 days", async () => {
    const disabledAt = new Date("2030-01-01T00:00:00.000Z");
    const { connection } = await createConnection(deps, principal, none());
    const cursor = (await row(connection.id)).cursor;
    await setEnabled({ ...deps, now: () => disabledAt }, principal, connection.id, false);
    await hostEvent(3);

    const dto = await setEnabled({ ...deps, now: () => new Date(disabledAt.getTime() + 7 * DAY - 60_000) }, principal, connection.id, true);
    expect(dto).toMatchObject({ enabled: true, disabled_at: null, disabled_reason: null, disabled_by: null });
    expect(await row(connection.id)).toMatchObject({ enabled: true, cursor, disabledAt: null, disabledReason: null, disabledById: null });
    const last = (await events()).at(-1)!;
    expect(last).toMatchObject({ eventType: EVENT_TYPES.connectionEnabled, data: { connection_id: connection.id, resumed_from: "paused_position" } });
    expectActor(last);
  });

  it("resumes from the latest event after 7 days disabled", async () => {
    const disabledAt = new Date("2030-01-01T00:00:00.000Z");
    const { connection } = await createConnection(deps, principal, none());
    const cursor = (await row(connection.id)).cursor;
    await setEnabled({ ...deps, now: () => disabledAt }, principal, connection.id, false);
    await hostEvent(3);
    const latest = (await events()).at(-1)!.seq;
    expect(latest).toBeGreaterThan(cursor);

    await setEnabled({ ...deps, now: () => new Date(disabledAt.getTime() + 7 * DAY) }, principal, connection.id, true);
    expect((await row(connection.id)).cursor).toBe(latest);
    expect((await events()).at(-1)).toMatchObject({ eventType: EVENT_TYPES.connectionEnabled, data: { resumed_from: "latest" } });
  });

  it("ignores events of other organizations when skipping ahead", async () => {
    const disabledAt = new Date("2030-01-01T00:00:00.000Z");
    const { connection } = await createConnection(deps, principal, none());
    await setEnabled({ ...deps, now: () => disabledAt }, principal, connection.id, false);
    const own = (await events()).at(-1)!.seq;
    const other = await t.db.organization.create({ data: { name: "Other" } });
    await t.db.$transaction((tx) => publishEvent(tx, other.id, wireEvent({ eventType: "ELSEWHERE" })));
    await setEnabled({ ...deps, now: () => new Date(disabledAt.getTime() + 8 * DAY) }, principal, connection.id, true);
    expect((await row(connection.id)).cursor).toBe(own);
  });

  it("does not publish ENABLED for a connection that is already enabled", async () => {
    const { connection } = await createConnection(deps, principal, none());
    await setEnabled(deps, principal, connection.id, true);
    expect(await eventTypes()).toEqual([EVENT_TYPES.connectionTested, EVENT_TYPES.connectionCreated]);
  });
});

describe("HMAC secret rotation", () => {
  it("signs with both secrets during a rotation, then with the remaining one", async () => {
    const { connection, hmacSecret } = await createConnection(deps, principal, hmac());
    const first = hmacSecret!;
    const added = await addHmacSecret(deps, principal, connection.id);
    expect(added).toEqual({ id: expect.stringMatching(UUID), secret: expect.stringMatching(/^[A-Za-z0-9_-]{43,}$/), created_at: expect.any(String) });
    expect(added.secret).not.toBe(first);
    const dto = await getConnection(deps, principal.organizationId, connection.id);
    expect(dto.auth.hmac_secrets.map((s) => s.hint)).toEqual([`••••${first.slice(-4)}`, `••••${added.secret.slice(-4)}`]);
    expect(JSON.stringify(dto)).not.toContain(added.secret);
    expect((await events()).at(-1)).toMatchObject({ eventType: EVENT_TYPES.hmacSecretAdded, data: { secret_id: added.id } });
    expect(json(await events())).not.toContain(added.secret);

    expect(await testConnection(deps, principal, connection.id)).toMatchObject({ ok: true });
    const req = (await receiver.waitFor(2))[1]!;
    const timestamp = headerOf(req, "x-opal-request-timestamp")!;
    const signatures = headerOf(req, "x-opal-signature")!.split(",").map((s) => s.trim());
    expect(signatures).toEqual([sign(first, timestamp, req.rawBody), sign(added.secret, timestamp, req.rawBody)]);
    expect(receiver.verifies(req, first)).toBe(true);
    expect(receiver.verifies(req, added.secret)).toBe(true);

    const third = await failure(addHmacSecret(deps, principal, connection.id));
    expect(third.code).toBe("CONFLICT");
    expect(third.status).toBe(409);
    expect(await t.db.hmacSecret.count()).toBe(2);

    const firstId = dto.auth.hmac_secrets[0]!.id;
    await retireHmacSecret(deps, principal, connection.id, firstId);
    expect((await events()).at(-1)).toMatchObject({ eventType: EVENT_TYPES.hmacSecretRetired, data: { secret_id: firstId } });
    await testConnection(deps, principal, connection.id);
    const after = (await receiver.waitFor(3))[2]!;
    expect(headerOf(after, "x-opal-signature")).not.toContain(",");
    expect(receiver.verifies(after, added.secret)).toBe(true);
    expect(receiver.verifies(after, first)).toBe(false);

    const last = await failure(retireHmacSecret(deps, principal, connection.id, added.id));
    expect(last.code).toBe("CONFLICT");
    expect(last.message).toMatch(/last HMAC secret cannot be retired/);
    expect(await t.db.hmacSecret.count()).toBe(1);
  });

  it("answers NOT_FOUND for an unknown or already retired secret", async () => {
    const { connection } = await createConnection(deps, principal, hmac());
    const added = await addHmacSecret(deps, principal, connection.id);
    await retireHmacSecret(deps, principal, connection.id, added.id);
    expect((await failure(retireHmacSecret(deps, principal, connection.id, added.id))).code).toBe("NOT_FOUND");
    expect((await failure(retireHmacSecret(deps, principal, connection.id, crypto.randomUUID()))).code).toBe("NOT_FOUND");
    expect((await failure(retireHmacSecret(deps, principal, connection.id, "nope"))).code).toBe("NOT_FOUND");
  });

  it("does not retire another connection's secret", async () => {
    const a = await createConnection(deps, principal, hmac("A"));
    const b = await createConnection(deps, principal, hmac("B"));
    await addHmacSecret(deps, principal, a.connection.id);
    const err = await failure(retireHmacSecret(deps, principal, a.connection.id, b.connection.auth.hmac_secrets[0]!.id));
    expect(err.code).toBe("NOT_FOUND");
    expect(await t.db.hmacSecret.count()).toBe(3);
  });

  it("refuses secrets for a connection without HMAC", async () => {
    const { connection } = await createConnection(deps, principal, none());
    const err = await failure(addHmacSecret(deps, principal, connection.id));
    expect(err.code).toBe("CONFLICT");
    expect(await t.db.hmacSecret.count()).toBe(0);
  });
});

describe("deleting a connection", () => {
  it("removes the row with its keys and publishes DELETED", async () => {
    const { connection } = await createConnection(deps, principal, datadog());
    const signed = await createConnection(deps, principal, hmac());
    await deleteConnection(deps, principal, connection.id);
    await deleteConnection(deps, principal, signed.connection.id);
    expect(await stored()).toMatchObject({ connections: 0, apiKeys: 0, hmacSecrets: 0 });
    const deleted = (await events()).filter((e) => e.eventType === EVENT_TYPES.connectionDeleted);
    expect(deleted.map((e) => e.data)).toEqual([
      { connection_id: connection.id, connection_name: "Datadog", url_host: `127.0.0.1:${receiver.port}`, auth_type: "API_KEY" },
      { connection_id: signed.connection.id, connection_name: "Custom SIEM", url_host: `127.0.0.1:${receiver.port}`, auth_type: "HMAC" },
    ]);
    expectActor(deleted[0]!);
    expect((await failure(getConnection(deps, principal.organizationId, connection.id))).code).toBe("NOT_FOUND");
  });
});

describe("other organizations and malformed ids", () => {
  async function outsider(): Promise<Principal> {
    const org = await t.db.organization.create({ data: { name: "Globex" } });
    const user = await t.db.user.create({ data: { organizationId: org.id, email: "hank@globex.example", name: "Hank", role: "ADMIN", passwordHash: "x" } });
    return { organizationId: org.id, user: { id: user.id, email: user.email, name: user.name }, ipAddress: null, userAgent: null };
  }

  const operations: [string, (p: Principal, id: string) => Promise<unknown>][] = [
    ["get", (p, id) => getConnection(deps, p.organizationId, id)],
    ["update", (p, id) => updateConnection(deps, p, id, { name: "Hijacked" })],
    ["disable", (p, id) => setEnabled(deps, p, id, false)],
    ["enable", (p, id) => setEnabled(deps, p, id, true)],
    ["test", (p, id) => testConnection(deps, p, id)],
    ["delete", (p, id) => deleteConnection(deps, p, id)],
    ["add an HMAC secret", (p, id) => addHmacSecret(deps, p, id)],
    ["retire an HMAC secret", (p, id) => retireHmacSecret(deps, p, id, crypto.randomUUID())],
  ];

  it.each(operations)("answers NOT_FOUND when another organization tries to %s", async (_label, op) => {
    const { connection } = await createConnection(deps, principal, hmac());
    const before = await stored();
    const err = await failure(op(await outsider(), connection.id));
    expect(err.code).toBe("NOT_FOUND");
    expect(err.status).toBe(404);
    expect(await stored()).toEqual(before);
    expect(await t.db.connection.findUniqueOrThrow({ where: { id: connection.id } })).toMatchObject({ name: "Custom SIEM", enabled: true });
    expect(receiver.requests).toHaveLength(1);
  });

  it.each(operations)("answers NOT_FOUND for a malformed id when asked to %s", async (_label, op) => {
    for (const id of ["not-a-uuid", "", "-".repeat(36), "00000000-0000-0000-0000-00000000000g", "'; DROP TABLE connections; --"]) {
      const err = await failure(op(principal, id));
      expect(err.code).toBe("NOT_FOUND");
    }
  });

  it("lists only the organization's own connections", async () => {
    await createConnection(deps, principal, none());
    const o = await outsider();
    expect(await listConnections(deps, o.organizationId)).toEqual([]);
  });
});

describe("testing a saved connection", () => {
  it(`sends at most ${TEST_SENDS_PER_MINUTE} tests a minute per connection, then answers RATE_LIMITED without sending`, async () => {
    // Counted per calendar minute: a fixed clock keeps every test of this one in the same minute.
    deps = { ...deps, now: () => new Date("2026-06-01T12:00:10Z") };
    const { connection } = await createConnection(deps, principal, none());
    const second = await createConnection(deps, principal, none("Second"));
    for (let i = 0; i < TEST_SENDS_PER_MINUTE; i++) expect((await testConnection(deps, principal, connection.id)).ok).toBe(true);
    const sent = receiver.requests.length;
    const err = await failure(testConnection(deps, principal, connection.id));
    expect(err.code).toBe("RATE_LIMITED");
    expect(err.status).toBe(429);
    expect(err.details).toEqual({ retry_after_seconds: expect.any(Number) });
    expect(err.message).toMatch(/Wait \d+ s before testing it again/);
    expect(receiver.requests).toHaveLength(sent);
    // An edit that would test the destination again is limited the same way; other connections are not.
    expect((await failure(updateConnection(deps, principal, connection.id, { url: `${receiver.url}/v2` }))).code).toBe("RATE_LIMITED");
    expect((await testConnection(deps, principal, second.connection.id)).ok).toBe(true);
  });

  it("returns the outcome and audits the test", async () => {
    const { connection } = await createConnection(deps, principal, none());
    receiver.respondWith({ status: 202, body: "accepted" });
    const outcome = await testConnection(deps, principal, connection.id);
    expect(outcome).toEqual({ ok: true, status: 202, latency_ms: expect.any(Number), error: null, response_excerpt: "accepted" });
    const req = (await receiver.waitFor(2))[1]!;
    const last = (await events()).at(-1)!;
    expect(last).toMatchObject({ eventType: EVENT_TYPES.connectionTested, id: (req.json as { id: string }).id, data: { connection_type: "WEBHOOK", message: TEST_MESSAGE } });
    expectActor(last);
  });

  it("audits a failed test too, and leaves the connection enabled", async () => {
    const { connection } = await createConnection(deps, principal, none());
    receiver.respondWith({ status: 503, body: "maintenance" });
    const outcome = await testConnection(deps, principal, connection.id);
    expect(outcome).toEqual({
      ok: false,
      status: 503,
      latency_ms: expect.any(Number),
      error: "The destination answered 503 Service Unavailable; only a 2xx answer counts as success.",
      response_excerpt: "maintenance",
    });
    expect(await eventTypes()).toEqual([EVENT_TYPES.connectionTested, EVENT_TYPES.connectionCreated, EVENT_TYPES.connectionTested]);
    expect((await getConnection(deps, principal.organizationId, connection.id)).enabled).toBe(true);
  });

  it("never reveals an API key the destination echoes back", async () => {
    const { connection } = await createConnection(deps, principal, datadog());
    receiver.respondWith((req) => ({ status: 401, body: `invalid key ${headerOf(req, "dd-api-key")} with tags ${req.query.get("ddtags")}` }));
    const outcome = await testConnection(deps, principal, connection.id);
    expect(outcome.ok).toBe(false);
    expect(outcome.response_excerpt).toBe("invalid key [redacted] with tags [redacted]");
    expect(JSON.stringify(outcome)).not.toContain(DD_KEY);
    expect(JSON.stringify(outcome)).not.toContain(DD_TAGS);
  });

  it("never reveals an HMAC secret in the response excerpt", async () => {
    const { connection, hmacSecret } = await createConnection(deps, principal, hmac());
    receiver.respondWith({ status: 400, body: `expected a signature made with ${hmacSecret}` });
    const outcome = await testConnection(deps, principal, connection.id);
    expect(outcome.response_excerpt).toBe("expected a signature made with [redacted]");
    expect(JSON.stringify(outcome)).not.toContain(hmacSecret!);
  });

  it("never reveals part of a secret cut off by the excerpt's length limit", async () => {
    const { connection, hmacSecret } = await createConnection(deps, principal, hmac());
    // The secret straddles the excerpt limit (one limit for every path: EXCERPT_CHARS).
    receiver.respondWith({ status: 400, body: `${"x".repeat(EXCERPT_CHARS - 20)}${hmacSecret}` });
    const outcome = await testConnection(deps, principal, connection.id);
    expect(outcome.response_excerpt).not.toContain(hmacSecret!.slice(0, 12));
    expect(outcome.response_excerpt!.length).toBeLessThanOrEqual(EXCERPT_CHARS);
    expect(outcome.response_excerpt!.startsWith("x".repeat(EXCERPT_CHARS - 20))).toBe(true);
  });

  it("never reveals the start of a long key cut off by the response read limit", async () => {
    // Longer than the 4 KiB the client reads of a response, so the echo arrives cut short.
    const longKey = crypto.randomBytes(3_500).toString("base64url");
    const { connection } = await createConnection(deps, principal, {
      name: "Long key",
      url: receiver.url,
      auth: { type: "API_KEY", keys: [{ key: "Authorization", value: longKey, add_to: "HEADER" }] },
    });
    receiver.respondWith((req) => ({ status: 401, body: `invalid token ${headerOf(req, "authorization")}` }));
    const outcome = await testConnection(deps, principal, connection.id);
    expect(headerOf(receiver.requests[1]!, "authorization")).toBe(longKey);
    expect(outcome.response_excerpt).toBe("invalid token [redacted]");
  });

  it("never reveals a refused destination's secret in a failed create either", async () => {
    receiver.respondWith((req) => ({ status: 401, body: `bad key ${headerOf(req, "dd-api-key")}` }));
    const err = await failure(createConnection(deps, principal, datadog()));
    expect(err.code).toBe("DESTINATION_TEST_FAILED");
    expect(JSON.stringify({ message: err.message, details: err.details })).not.toContain(DD_KEY);
    expect((err.details as { response_excerpt: string }).response_excerpt).toBe("bad key [redacted]");
  });
});
