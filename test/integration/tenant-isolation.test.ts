import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import PgBoss from "pg-boss";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { invitationEmailJob } from "../../lib/jobs/definitions/invitation-email";
import { redeliveryJob } from "../../lib/jobs/definitions/redelivery";
import { ensureJobQueue } from "../../lib/jobs/job";
import { recordFailures } from "../../lib/failures/failure-store";
import { createTestDatabase, type TestDatabase } from "../helpers/db";
import { startReceiver, type Receiver } from "../helpers/receiver";

// Two organizations on one Tributary, through the real route handlers of app/api (the code Next.js
// runs), against a real PostgreSQL: neither sees the other's connections, events, failures,
// redeliveries, members or tokens — with its ADMIN token, its PUBLISH token, or the operator token
// naming it in Tributary-Organization. And deleting an organization removes every row it had.

const OPERATOR_TOKEN = `op_${crypto.randomBytes(24).toString("base64url")}`;
const ENCRYPTION_KEY = crypto.randomBytes(32).toString("base64");

type Route = { method: string; template: string; load: () => Promise<Record<string, unknown>> };

// Every route file under app/api, with its methods; the test below fails when one is missing here.
const ROUTES: Route[] = [
  ...["GET"].map((method) => ({ method, template: "/api/v1/me", load: () => import("../../app/api/v1/me/route") })),
  { method: "POST", template: "/api/v1/events", load: () => import("../../app/api/v1/events/route") },
  ...["GET", "POST"].map((method) => ({ method, template: "/api/v1/connections", load: () => import("../../app/api/v1/connections/route") })),
  ...["GET", "PATCH", "DELETE"].map((method) => ({ method, template: "/api/v1/connections/[id]", load: () => import("../../app/api/v1/connections/[id]/route") })),
  { method: "GET", template: "/api/v1/connections/[id]/stats", load: () => import("../../app/api/v1/connections/[id]/stats/route") },
  { method: "POST", template: "/api/v1/connections/[id]/test", load: () => import("../../app/api/v1/connections/[id]/test/route") },
  { method: "POST", template: "/api/v1/connections/[id]/enable", load: () => import("../../app/api/v1/connections/[id]/enable/route") },
  { method: "POST", template: "/api/v1/connections/[id]/disable", load: () => import("../../app/api/v1/connections/[id]/disable/route") },
  { method: "POST", template: "/api/v1/connections/[id]/hmac-secrets", load: () => import("../../app/api/v1/connections/[id]/hmac-secrets/route") },
  {
    method: "DELETE",
    template: "/api/v1/connections/[id]/hmac-secrets/[secretId]",
    load: () => import("../../app/api/v1/connections/[id]/hmac-secrets/[secretId]/route"),
  },
  { method: "GET", template: "/api/v1/failures", load: () => import("../../app/api/v1/failures/route") },
  { method: "POST", template: "/api/v1/failures/redeliver", load: () => import("../../app/api/v1/failures/redeliver/route") },
  { method: "GET", template: "/api/v1/failures/redeliveries", load: () => import("../../app/api/v1/failures/redeliveries/route") },
  { method: "GET", template: "/api/v1/failures/redeliveries/[id]", load: () => import("../../app/api/v1/failures/redeliveries/[id]/route") },
  { method: "POST", template: "/api/v1/failures/redeliveries/[id]/cancel", load: () => import("../../app/api/v1/failures/redeliveries/[id]/cancel/route") },
  ...["GET", "POST"].map((method) => ({ method, template: "/api/v1/tokens", load: () => import("../../app/api/v1/tokens/route") })),
  { method: "DELETE", template: "/api/v1/tokens/[id]", load: () => import("../../app/api/v1/tokens/[id]/route") },
  ...["GET", "POST"].map((method) => ({ method, template: "/api/v1/organizations", load: () => import("../../app/api/v1/organizations/route") })),
  ...["GET", "PATCH", "DELETE"].map((method) => ({ method, template: "/api/v1/organizations/[org]", load: () => import("../../app/api/v1/organizations/[org]/route") })),
  ...["GET", "POST"].map((method) => ({ method, template: "/api/v1/organizations/[org]/members", load: () => import("../../app/api/v1/organizations/[org]/members/route") })),
  ...["GET", "PATCH", "DELETE"].map((method) => ({
    method,
    template: "/api/v1/organizations/[org]/members/[userId]",
    load: () => import("../../app/api/v1/organizations/[org]/members/[userId]/route"),
  })),
  {
    method: "POST",
    template: "/api/v1/organizations/[org]/members/[userId]/invitation",
    load: () => import("../../app/api/v1/organizations/[org]/members/[userId]/invitation/route"),
  },
  { method: "POST", template: "/api/v1/organizations/[org]/portal-links", load: () => import("../../app/api/v1/organizations/[org]/portal-links/route") },
  { method: "GET", template: "/api/metrics", load: () => import("../../app/api/metrics/route") },
];

function match(template: string, pathname: string): Record<string, string> | null {
  const names: string[] = [];
  const re = new RegExp(`^${template.replace(/\[(\w+)\]/g, (_m, n: string) => (names.push(n), "([^/]+)"))}$`);
  const m = re.exec(pathname);
  return m ? Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(m[i + 1]!)])) : null;
}

type Answer = { status: number; body: any };
type Caller = { token: string; org?: string };

const used = new Set<string>();

/** Calls a route handler the way Next.js does: a Request and the path's params. */
async function call(who: Caller, method: string, url: string, body?: unknown): Promise<Answer> {
  const pathname = url.split("?")[0]!;
  const route = ROUTES.find((r) => r.method === method && match(r.template, pathname));
  if (!route) throw new Error(`no route for ${method} ${pathname}`);
  used.add(`${route.method} ${route.template}`);
  const headers: Record<string, string> = { authorization: `Bearer ${who.token}`, "user-agent": "vitest" };
  if (who.org) headers["tributary-organization"] = who.org;
  if (body !== undefined) headers["content-type"] = "application/json";
  const req = new Request(`http://tributary.test${url}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const handler = (await route.load())[method] as (req: Request, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;
  const res = await handler(req, { params: Promise.resolve(match(route.template, pathname)!) });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = text;
  }
  return { status: res.status, body: parsed };
}

let t: TestDatabase;
let boss: PgBoss;
let receiver: Receiver;
const operator: Caller = { token: OPERATOR_TOKEN };

type Tenant = {
  id: string;
  externalId: string;
  admin: Caller;
  publish: Caller;
  asOperator: Caller;
  connectionId: string;
  secretId: string;
  failureId: string;
  redeliveryId: string;
  memberId: string;
  tokenId: string;
  eventId: string;
};

async function tenant(name: string): Promise<Tenant> {
  const externalId = `${name.toLowerCase()}-${crypto.randomUUID()}`;
  const org = await call(operator, "POST", "/api/v1/organizations", { name, external_id: externalId });
  expect(org.status).toBe(201);
  const asOperator: Caller = { token: OPERATOR_TOKEN, org: externalId };
  const admin = await call(asOperator, "POST", "/api/v1/tokens", { name: `${name} admin`, scope: "ADMIN" });
  const publish = await call(asOperator, "POST", "/api/v1/tokens", { name: `${name} publisher`, scope: "PUBLISH" });
  expect([admin.status, publish.status]).toEqual([201, 201]);
  const adminCaller: Caller = { token: admin.body.token };
  const member = await call(operator, "POST", `/api/v1/organizations/${org.body.id}/members`, { email: `admin@${name.toLowerCase()}.test`, role: "ADMIN" });
  expect(member.status).toBe(201);
  const connection = await call(adminCaller, "POST", "/api/v1/connections", { name: `${name} SIEM`, url: receiver.url, auth: { type: "HMAC" } });
  expect(connection.status).toBe(201);
  const secret = await call(adminCaller, "POST", `/api/v1/connections/${connection.body.id}/hmac-secrets`);
  expect(secret.status).toBe(201);
  const published = await call({ token: publish.body.token }, "POST", "/api/v1/events", [{ event_type: `${name.toUpperCase()}_HAPPENED` }]);
  expect(published.status).toBe(202);
  const eventId = published.body.ids[0] as string;
  const { rows } = await t.pool.query<{ seq: string }>("SELECT seq::text FROM events WHERE organization_id = $1 AND id = $2", [org.body.id, eventId]);
  await recordFailures(t.pool, [
    {
      organizationId: org.body.id,
      connectionId: connection.body.id,
      eventSeq: BigInt(rows[0]!.seq),
      eventId,
      eventType: `${name.toUpperCase()}_HAPPENED`,
      attempt: 1,
      attemptedAt: new Date(),
      statusCode: 400,
      error: null,
      responseExcerpt: "no",
      latencyMs: 3,
      outcome: "REJECTED",
    },
  ]);
  const failures = await call(adminCaller, "GET", "/api/v1/failures");
  const failureId = failures.body.data[0].id as string;
  const redelivery = await call(adminCaller, "POST", "/api/v1/failures/redeliver", { ids: [failureId] });
  expect(redelivery.status).toBe(202);
  await t.pool.query("INSERT INTO connection_metrics (connection_id, latency_buckets) VALUES ($1, '{}')", [connection.body.id]);
  // A minute of statistics and a failing spell, as a worker's metrics flush writes them.
  await t.pool.query(
    "INSERT INTO connection_stats (connection_id, minute, organization_id, delivered, failed, latency_buckets) VALUES ($1, date_trunc('minute', now()), $2, 3, 1, '{}')",
    [connection.body.id, org.body.id],
  );
  await t.pool.query(
    "INSERT INTO connection_health (connection_id, organization_id, last_failure_at, failing_since, failing_attempts) VALUES ($1, $2, now(), now(), 1)",
    [connection.body.id, org.body.id],
  );
  await t.pool.query("INSERT INTO digest_runs (organization_id, day) VALUES ($1, current_date)", [org.body.id]);
  await call(operator, "POST", `/api/v1/organizations/${externalId}/portal-links`, { email: `portal@${name.toLowerCase()}.test` });
  return {
    id: org.body.id,
    externalId,
    admin: adminCaller,
    publish: { token: publish.body.token },
    asOperator,
    connectionId: connection.body.id,
    secretId: secret.body.id,
    failureId,
    redeliveryId: redelivery.body.id,
    memberId: member.body.id,
    tokenId: admin.body.id,
    eventId,
  };
}

let a: Tenant;
let b: Tenant;

beforeAll(async () => {
  t = await createTestDatabase();
  // The route handlers read their configuration (and database) from the environment, as in `npm start`.
  Object.assign(process.env, {
    DATABASE_URL: t.url,
    ENCRYPTION_KEY,
    OPERATOR_API_TOKEN: OPERATOR_TOKEN,
    OUTBOUND_ALLOW_CIDRS: "127.0.0.0/8",
    APP_URL: "http://tributary.test",
    LOG_LEVEL: "silent",
  });
  boss = new PgBoss({ connectionString: t.url });
  boss.on("error", () => undefined);
  await boss.start();
  await ensureJobQueue(boss, invitationEmailJob);
  await ensureJobQueue(boss, redeliveryJob);
  receiver = await startReceiver();
  a = await tenant("Alpha");
  b = await tenant("Beta");
}, 120_000);
afterAll(async () => {
  const held = globalThis as { __tributaryDb?: { $disconnect(): Promise<void> }; __tributaryPool?: { end(): Promise<void> }; __tributaryServiceDeps?: { http: { close(): Promise<void> } } };
  await held.__tributaryServiceDeps?.http.close();
  await held.__tributaryDb?.$disconnect();
  await held.__tributaryPool?.end();
  await boss.stop({ graceful: false, wait: true });
  await receiver.close();
  await t.drop();
});

/** Everything of A a caller could touch by id, with the answer an outsider must get. */
const foreignCalls = (x: Tenant) => [
  ["GET", `/api/v1/connections/${x.connectionId}`, undefined, 404],
  ["GET", `/api/v1/connections/${x.connectionId}/stats?window=24h`, undefined, 404],
  ["PATCH", `/api/v1/connections/${x.connectionId}`, { name: "Taken over" }, 404],
  ["POST", `/api/v1/connections/${x.connectionId}/test`, undefined, 404],
  ["POST", `/api/v1/connections/${x.connectionId}/disable`, undefined, 404],
  ["POST", `/api/v1/connections/${x.connectionId}/enable`, undefined, 404],
  ["POST", `/api/v1/connections/${x.connectionId}/hmac-secrets`, undefined, 404],
  ["DELETE", `/api/v1/connections/${x.connectionId}/hmac-secrets/${x.secretId}`, undefined, 404],
  ["DELETE", `/api/v1/connections/${x.connectionId}`, undefined, 404],
  ["GET", `/api/v1/failures/redeliveries/${x.redeliveryId}`, undefined, 404],
  ["POST", `/api/v1/failures/redeliveries/${x.redeliveryId}/cancel`, undefined, 404],
  ["POST", "/api/v1/failures/redeliver", { ids: [x.failureId] }, 404],
  ["POST", "/api/v1/failures/redeliver", { connection_id: x.connectionId }, 409],
  ["DELETE", `/api/v1/tokens/${x.tokenId}`, undefined, 404],
] as const;

/** What an organization's lists show, as one string to search for the other's ids. */
async function listings(who: Caller): Promise<string> {
  const answers = await Promise.all([
    call(who, "GET", "/api/v1/me"),
    call(who, "GET", "/api/v1/connections"),
    call(who, "GET", "/api/v1/failures?limit=200"),
    call(who, "GET", "/api/v1/failures?group=event&limit=200"),
    call(who, "GET", "/api/v1/failures/redeliveries"),
    call(who, "GET", "/api/v1/tokens"),
    call(who, "GET", "/api/metrics"),
  ]);
  for (const answer of answers) expect(answer.status).toBe(200);
  return JSON.stringify(answers.map((x) => x.body));
}

const idsOf = (x: Tenant) => [x.id, x.connectionId, x.secretId, x.failureId, x.redeliveryId, x.tokenId, x.eventId, x.memberId];

describe("two organizations", () => {
  it("see only their own connections, failures, redeliveries, tokens and metrics, with an ADMIN token or the operator's header", async () => {
    for (const [viewer, other] of [
      [b.admin, a],
      [b.asOperator, a],
      [a.admin, b],
      [{ token: OPERATOR_TOKEN, org: a.id }, b],
    ] as const) {
      const seen = await listings(viewer);
      for (const id of idsOf(other)) expect(seen).not.toContain(id);
    }
    // Filtering by the other's connection or event finds nothing, grouped or not.
    for (const viewer of [b.admin, b.asOperator]) {
      for (const url of [
        `/api/v1/failures?group=event&connection_id=${a.connectionId}`,
        `/api/v1/failures?connection_id=${a.connectionId}&event_id=${a.eventId}`,
      ]) {
        const answer = await call(viewer, "GET", url);
        expect(answer, url).toMatchObject({ status: 200, body: { data: [], next_cursor: null } });
      }
    }
    const grouped = await call(a.admin, "GET", "/api/v1/failures?group=event");
    expect(grouped.body.data).toEqual([expect.objectContaining({ connection_id: a.connectionId, event_id: a.eventId, attempts: 1 })]);
    const stats = await call(a.asOperator, "GET", `/api/v1/connections/${a.connectionId}/stats?window=1h`);
    expect(stats.status).toBe(200);
    expect(stats.body.buckets.reduce((n: number, x: { delivered: number }) => n + x.delivered, 0)).toBe(3);
    const me = await call(b.asOperator, "GET", "/api/v1/me");
    expect(me.body).toEqual({ organization_id: b.id, organization: { id: b.id, name: "Beta" }, user: null, scope: "OPERATOR" });
    expect((await call(a.admin, "GET", "/api/v1/me")).body).toMatchObject({ organization_id: a.id, scope: "ADMIN", user: null });
    expect(JSON.parse(await listings(a.admin))).toEqual(expect.arrayContaining([expect.objectContaining({ data: [expect.objectContaining({ id: a.connectionId })] })]));
  });

  it("get 404 for every resource of the other, whoever asks, and change nothing of it", async () => {
    const snapshot = async () =>
      JSON.stringify(
        await Promise.all([
          t.db.connection.findMany({ where: { organizationId: a.id }, include: { hmacSecrets: true } }),
          t.db.apiToken.findMany({ where: { organizationId: a.id }, select: { id: true, name: true, revokedAt: true } }),
        ]),
        (_k, v) => (typeof v === "bigint" ? v.toString() : v),
      );
    const before = await snapshot();
    for (const viewer of [b.admin, b.asOperator]) {
      for (const [method, url, body, status] of foreignCalls(a)) {
        const answer = await call(viewer, method, url, body);
        expect(answer.status, `${method} ${url}`).toBe(status);
        if (status === 404) expect(answer.body.error.code).toBe("NOT_FOUND");
      }
    }
    expect(await snapshot()).toBe(before);
    expect(await t.db.redelivery.count({ where: { organizationId: a.id } })).toBe(1);
  });

  it("publish with a PUBLISH token into their own log only; a PUBLISH token gets 403 on every other route", async () => {
    const published = await call(b.publish, "POST", "/api/v1/events", { event_type: "ONLY_BETA" });
    expect(published.status).toBe(202);
    const stored = await t.db.event.findMany({ where: { eventType: "ONLY_BETA" } });
    expect(stored.map((e) => e.organizationId)).toEqual([b.id]);

    const everything = [
      ...foreignCalls(b),
      ["GET", "/api/v1/me"],
      ["GET", "/api/v1/connections"],
      ["POST", "/api/v1/connections", { name: "x", url: receiver.url, auth: { type: "NONE" } }],
      ["GET", "/api/v1/failures"],
      ["GET", "/api/v1/failures/redeliveries"],
      ["GET", "/api/v1/tokens"],
      ["POST", "/api/v1/tokens", { name: "escalate", scope: "ADMIN" }],
      ["GET", "/api/metrics"],
    ] as const;
    for (const [method, url, body] of everything) {
      const answer = await call(b.publish, method, url, body);
      expect(answer.status, `${method} ${url}`).toBe(403);
      expect(answer.body.error).toMatchObject({ code: "FORBIDDEN", message: expect.stringContaining("PUBLISH") });
    }
    expect(await t.db.apiToken.count({ where: { name: "escalate" } })).toBe(0);
  });

  it("the operator must name an organization, an unknown one is 404, and only the operator manages organizations", async () => {
    const noHeader = await call(operator, "GET", "/api/v1/connections");
    expect(noHeader).toMatchObject({ status: 400, body: { error: { code: "ORGANIZATION_REQUIRED" } } });
    expect((await call(operator, "POST", "/api/v1/events", { event_type: "NOWHERE" })).status).toBe(400);
    expect((await call({ token: OPERATOR_TOKEN, org: "no-such-tenant" }, "GET", "/api/v1/connections")).status).toBe(404);
    expect((await call({ token: OPERATOR_TOKEN, org: crypto.randomUUID() }, "GET", "/api/v1/tokens")).status).toBe(404);
    // By id or by external_id, the same organization.
    expect((await call({ token: OPERATOR_TOKEN, org: a.externalId }, "GET", "/api/v1/me")).body.organization_id).toBe(a.id);

    for (const who of [a.admin, a.publish, { token: "op_not_the_operator_token_but_long_enough_0123" }]) {
      const answer = await call(who, "GET", "/api/v1/organizations");
      expect(answer.status).toBe(who.token.startsWith("op_not") ? 401 : 403);
      expect((await call(who, "DELETE", `/api/v1/organizations/${b.id}`)).status).toBe(who.token.startsWith("op_not") ? 401 : 403);
    }
    // An organization's token never reaches another organization, even naming it in the header.
    expect((await call({ ...a.admin, org: b.id }, "GET", "/api/v1/me")).body.organization_id).toBe(a.id);
  });

  it("the operator's member routes answer 404 for a person of another organization", async () => {
    const base = `/api/v1/organizations/${b.externalId}/members`;
    expect((await call(operator, "GET", `${base}/${a.memberId}`)).status).toBe(404);
    expect((await call(operator, "PATCH", `${base}/${a.memberId}`, { role: "MEMBER" })).status).toBe(404);
    expect((await call(operator, "POST", `${base}/${a.memberId}/invitation`)).status).toBe(404);
    expect((await call(operator, "DELETE", `${base}/${a.memberId}`)).status).toBe(404);
    const members = await call(operator, "GET", base);
    expect(members.body.data.map((m: { id: string }) => m.id)).toEqual([b.memberId]);
    expect(members.body.data[0]).toMatchObject({ email: "admin@beta.test", role: "ADMIN", status: "INVITED" });
    expect(await t.db.user.findUnique({ where: { id: a.memberId } })).not.toBeNull();
  });
});

describe("the operator's organizations", () => {
  it("are created, listed by external_id and page by page, read, renamed, and a taken external_id is a 409", async () => {
    const taken = await call(operator, "POST", "/api/v1/organizations", { name: "Copy", external_id: a.externalId });
    expect(taken).toMatchObject({ status: 409, body: { error: { code: "CONFLICT" } } });
    expect((await call(operator, "POST", "/api/v1/organizations", { name: "" })).status).toBe(400);
    const created = [];
    for (let i = 0; i < 3; i++) created.push((await call(operator, "POST", "/api/v1/organizations", { name: `Paged ${i}` })).body);
    expect(created[0]).toMatchObject({ name: "Paged 0", external_id: null, connections: 0 });

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Answer = await call(operator, "GET", `/api/v1/organizations?limit=2${cursor ? `&cursor=${cursor}` : ""}`);
      expect(page.status).toBe(200);
      expect(page.body.data.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.data.map((o: { id: string }) => o.id));
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual(expect.arrayContaining([a.id, b.id, ...created.map((o) => o.id)]));
    expect((await call(operator, "GET", "/api/v1/organizations?cursor=bogus")).status).toBe(400);

    const byExternal = await call(operator, "GET", `/api/v1/organizations?external_id=${encodeURIComponent(a.externalId)}`);
    expect(byExternal.body.data).toEqual([{ id: a.id, name: "Alpha", external_id: a.externalId, created_at: expect.any(String), connections: 1 }]);
    expect((await call(operator, "GET", `/api/v1/organizations/${a.externalId}`)).body.id).toBe(a.id);

    const renamed = await call(operator, "PATCH", `/api/v1/organizations/${created[0].id}`, { name: "Renamed", external_id: "renamed-tenant" });
    expect(renamed.body).toMatchObject({ name: "Renamed", external_id: "renamed-tenant" });
    expect((await call(operator, "PATCH", `/api/v1/organizations/${created[1].id}`, { external_id: "renamed-tenant" })).status).toBe(409);
    const audit = await t.db.event.findFirstOrThrow({ where: { organizationId: created[0].id, eventType: "EVENT_STREAM_ORGANIZATION_UPDATED" } });
    expect(audit).toMatchObject({ actorName: "Operator API", actorEmail: null, actorUserAgent: "vitest" });
  });

  it("deleting one removes all its rows in one go and its tokens stop working; the other keeps everything", async () => {
    const countsOf = async (orgId: string) => {
      const { rows } = await t.pool.query<Record<string, string>>(
        `SELECT
          (SELECT count(*) FROM organizations WHERE id = $1)::text AS organizations,
          (SELECT count(*) FROM users WHERE organization_id = $1)::text AS users,
          (SELECT count(*) FROM api_tokens WHERE organization_id = $1)::text AS api_tokens,
          (SELECT count(*) FROM connections WHERE organization_id = $1)::text AS connections,
          (SELECT count(*) FROM hmac_secrets s JOIN connections c ON c.id = s.connection_id WHERE c.organization_id = $1)::text AS hmac_secrets,
          (SELECT count(*) FROM connection_metrics m WHERE m.connection_id IN (SELECT id FROM connections WHERE organization_id = $1))::text AS metrics,
          (SELECT count(*) FROM connection_stats WHERE organization_id = $1)::text AS connection_stats,
          (SELECT count(*) FROM connection_health WHERE organization_id = $1)::text AS connection_health,
          (SELECT count(*) FROM events WHERE organization_id = $1)::text AS events,
          (SELECT count(*) FROM event_types WHERE organization_id = $1)::text AS event_types,
          (SELECT count(*) FROM delivery_failures WHERE organization_id = $1)::text AS failures,
          (SELECT count(*) FROM redeliveries WHERE organization_id = $1)::text AS redeliveries,
          (SELECT count(*) FROM redelivery_items i JOIN redeliveries r ON r.id = i.redelivery_id WHERE r.organization_id = $1)::text AS redelivery_items,
          (SELECT count(*) FROM invitations WHERE organization_id = $1)::text AS invitations,
          (SELECT count(*) FROM portal_links WHERE organization_id = $1)::text AS portal_links,
          (SELECT count(*) FROM digest_runs WHERE organization_id = $1)::text AS digest_runs`,
        [orgId],
      );
      return Object.fromEntries(Object.entries(rows[0]!).map(([k, v]) => [k, Number(v)]));
    };
    const connectionIds = [a.connectionId];
    const before = await countsOf(a.id);
    for (const [table, n] of Object.entries(before)) expect(n, `${table} of A before`).toBeGreaterThan(0);
    const keysBefore = await countsOf(b.id);

    const deleted = await call(operator, "DELETE", `/api/v1/organizations/${a.externalId}`);
    expect(deleted.status).toBe(204);
    for (const [table, n] of Object.entries(await countsOf(a.id))) expect(n, `${table} of A after`).toBe(0);
    expect((await t.pool.query("SELECT 1 FROM connection_api_keys WHERE connection_id = ANY($1)", [connectionIds])).rowCount).toBe(0);
    expect(await countsOf(b.id)).toEqual(keysBefore);

    expect((await call(a.admin, "GET", "/api/v1/connections")).status).toBe(401);
    expect((await call(a.publish, "POST", "/api/v1/events", { event_type: "AFTER" })).status).toBe(401);
    expect((await call(operator, "GET", `/api/v1/organizations/${a.id}`)).status).toBe(404);
    expect((await call(operator, "DELETE", `/api/v1/organizations/${a.id}`)).status).toBe(404);
    expect((await call(b.admin, "GET", "/api/v1/connections")).body.data).toHaveLength(1);
  });

  it("covers every API route file (a new route must be added to this suite)", () => {
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(full);
        else if (entry.name === "route.ts") files.push(full);
      }
    };
    walk(path.resolve("app/api"));
    const declared = files
      .filter((f) => !/\[\.\.\.path\]|nextauth|openapi\.json|health/.test(f))
      .flatMap((f) => {
        const template = `/${path.relative(path.resolve("app"), path.dirname(f)).split(path.sep).join("/")}`;
        const source = fs.readFileSync(f, "utf8");
        return [...source.matchAll(/export const (GET|POST|PATCH|DELETE|PUT)\b/g)].map((m) => `${m[1]} ${template}`);
      })
      .sort();
    expect(ROUTES.map((r) => `${r.method} ${r.template}`).sort()).toEqual(declared);
    // And every one of them was called above.
    expect([...used].sort()).toEqual(declared);
  });
});
