import { type APIRequestContext, expect, test } from "./fixtures/test";
import { answerProblems, type OpenApiDocument, operations, requestProblems } from "../test/helpers/openapi";
import { startReceiver, type Receiver } from "../test/helpers/receiver";
import { signIn } from "./fixtures/auth";

// The served OpenAPI document against the running app: every documented operation is called for
// real, and every answer — status, body, error body — must be one the document describes.

const CHECKED = "CONTRACT_CHECKED";
let receiver: Receiver;
let down: Receiver;
let token: string;
let doc: OpenApiDocument;

test.beforeAll(async ({ browser, request }) => {
  receiver = await startReceiver("/contract");
  down = await startReceiver("/down");
  down.respondWith({ status: 500, body: "down for maintenance" });
  const page = await browser.newPage();
  await signIn(page);
  await page.goto("/settings/api-tokens");
  await page.getByLabel("Token name").fill("Contract suite");
  await page.getByRole("button", { name: "Create token" }).click();
  token = (await page.getByTestId("new-api-token").textContent())!.trim();
  await page.close();
  const served = await request.get("/api/v1/openapi.json");
  expect(served.status()).toBe(200);
  doc = await served.json();
});
test.afterAll(async () => {
  await receiver.close();
  await down.close();
});

type Call = { body?: unknown; raw?: string; contentType?: string; auth?: boolean; query?: string };

/** Calls `METHOD /path` (path parameters filled from `params`), checks the answer against the document, returns its body. */
function caller(request: APIRequestContext, called: Set<string>) {
  return async (operation: string, params: Record<string, string>, expected: number, call: Call = {}) => {
    const [method, template] = operation.split(" ") as [string, string];
    const path = template.replace(/\{(\w+)\}/g, (_m, name: string) => params[name]!);
    const headers: Record<string, string> = call.auth === false ? {} : { Authorization: `Bearer ${token}` };
    if (call.body !== undefined || call.raw !== undefined) headers["content-type"] = call.contentType ?? "application/json";
    const res = await request.fetch(`/api/v1${path}${call.query ? `?${call.query}` : ""}`, {
      method,
      headers,
      data: call.raw !== undefined ? Buffer.from(call.raw) : call.body !== undefined ? Buffer.from(JSON.stringify(call.body)) : undefined,
    });
    const text = await res.text();
    const body = text ? JSON.parse(text) : undefined;
    expect(res.status(), `${operation} → ${text.slice(0, 300)}`).toBe(expected);
    expect(answerProblems(doc, operation, res.status(), body)).toEqual([]);
    if (call.auth !== false) called.add(operation);
    return { body, headers: res.headers() };
  };
}

test("every documented operation answers only what the OpenAPI document describes", async ({ request }) => {
  test.setTimeout(120_000);
  const called = new Set<string>();
  const call = caller(request, called);
  const none = crypto.randomUUID();

  // Without a token every operation answers its documented 401.
  for (const op of operations(doc)) {
    const [method] = op.split(" ");
    await call(op, { id: none, secretId: none }, 401, { auth: false, ...(method === "POST" || method === "PATCH" ? { body: {} } : {}) });
  }

  await call("GET /me", {}, 200);
  const listed = await call("GET /connections", {}, 200);
  for (const c of listed.body.data as { id: string }[]) await call("DELETE /connections/{id}", { id: c.id }, 204);

  // Only the event this suite publishes is refused, so the connections' own audit events settle quietly.
  receiver.respondWith((req) => ((req.json as { event_type?: string })?.event_type === CHECKED ? { status: 400, body: '{"error":"schema mismatch"}' } : { status: 202 }));

  await call("POST /connections", {}, 400, { body: { name: "", url: receiver.url, auth: { type: "NONE" } } });
  await call("POST /connections", {}, 415, { raw: "{}", contentType: "text/plain" });
  await call("POST /connections", {}, 422, { body: { name: "Down", url: down.url, auth: { type: "NONE" } } });
  const hmac = (await call("POST /connections", {}, 201, { body: { name: "Contract HMAC", url: receiver.url, auth: { type: "HMAC" } } })).body;
  expect(hmac.hmac_secret).toEqual(expect.any(String));
  const keyed = (
    await call("POST /connections", {}, 201, {
      body: { name: "Contract keys", url: receiver.url, auth: { type: "API_KEY", keys: [{ key: "X-Api-Key", value: "contract-secret-1234", add_to: "HEADER" }] } },
    })
  ).body;
  expect(keyed.auth.keys[0].value_hint).toContain("1234");
  const plain = (await call("POST /connections", {}, 201, { body: { name: "Contract plain", url: receiver.url, auth: { type: "NONE" } } })).body;
  await call("POST /connections", {}, 409, { body: { name: "One too many", url: receiver.url, auth: { type: "NONE" } } });

  await call("GET /connections", {}, 200);
  await call("GET /connections/{id}", { id: keyed.id }, 200);
  await call("GET /connections/{id}", { id: none }, 404);
  await call("GET /connections/{id}", { id: "not-a-uuid" }, 404);
  await call("PATCH /connections/{id}", { id: keyed.id }, 200, { body: { name: "Contract keys (renamed)" } });
  const switched = (await call("PATCH /connections/{id}", { id: plain.id }, 200, { body: { auth: { type: "HMAC" } } })).body;
  expect(switched.hmac_secret).toEqual(expect.any(String));
  await call("PATCH /connections/{id}", { id: keyed.id }, 400, { body: { enabled: "yes" } });
  // Another origin: the stored key value is never sent there, so the edit must carry it again.
  await call("PATCH /connections/{id}", { id: keyed.id }, 400, { body: { url: down.url } });
  const again = { type: "API_KEY", keys: [{ key: "X-Api-Key", value: "contract-secret-for-down", add_to: "HEADER" }] };
  await call("PATCH /connections/{id}", { id: keyed.id }, 422, { body: { url: down.url, auth: again } });
  await call("PATCH /connections/{id}", { id: none }, 404, { body: { name: "Nobody" } });

  await call("POST /connections/{id}/test", { id: hmac.id }, 200);
  await call("POST /connections/{id}/test", { id: none }, 404);
  const disabled = (await call("POST /connections/{id}/disable", { id: keyed.id }, 200)).body;
  expect(disabled.disabled_by).not.toBeNull();
  await call("POST /connections/{id}/enable", { id: keyed.id }, 200);
  await call("POST /connections/{id}/disable", { id: none }, 404);
  await call("POST /connections/{id}/enable", { id: none }, 404);

  const secret = (await call("POST /connections/{id}/hmac-secrets", { id: hmac.id }, 201)).body;
  await call("POST /connections/{id}/hmac-secrets", { id: hmac.id }, 409);
  await call("POST /connections/{id}/hmac-secrets", { id: none }, 404);
  await call("DELETE /connections/{id}/hmac-secrets/{secretId}", { id: hmac.id, secretId: secret.id }, 204);
  const [last] = (await call("GET /connections/{id}", { id: hmac.id }, 200)).body.auth.hmac_secrets;
  await call("DELETE /connections/{id}/hmac-secrets/{secretId}", { id: hmac.id, secretId: last.id }, 409);
  await call("DELETE /connections/{id}/hmac-secrets/{secretId}", { id: hmac.id, secretId: none }, 404);

  const published = (await call("POST /events", {}, 202, { body: [{ event_type: CHECKED, actor_email: "eve@acme.test", data: { n: 1 } }] })).body;
  await call("POST /events", {}, 400, { body: [{ event_type: "lowercase" }] });
  await call("POST /events", {}, 413, { body: Array.from({ length: 1001 }, () => ({ event_type: CHECKED })) });
  await call("POST /events", {}, 415, { raw: "{}", contentType: "text/plain" });

  // The published event is refused by the receiver: one rejected failure per connection.
  const rejected = async () => {
    const page = await call("GET /failures", {}, 200, { query: `event_type=${CHECKED}&limit=200` });
    return (page.body.data as { id: string; event_id: string; outcome: string }[]).filter((f) => f.event_id === published.ids[0] && f.outcome === "REJECTED");
  };
  await expect.poll(async () => (await rejected()).length, { timeout: 20_000 }).toBe(3);
  const failures = await rejected();
  // What the destination received — test events, audit events, the published one — is the documented webhook payload.
  expect(receiver.requests.length).toBeGreaterThan(3);
  for (const r of receiver.requests) expect(requestProblems(doc, "POST event", r.json, "webhooks")).toEqual([]);
  await call("GET /failures", {}, 400, { query: "limit=0" });
  // Grouped by event: one row per connection for the published event, with its attempt count.
  const grouped = (await call("GET /failures", {}, 200, { query: `group=event&event_id=${published.ids[0]}` })).body;
  expect(grouped.data).toHaveLength(3);
  expect(grouped.data[0]).toMatchObject({ event_id: published.ids[0], attempts: 1, outcome: "REJECTED", status_code: 400 });
  await call("GET /failures", {}, 400, { query: "group=connection" });
  // The per-minute statistics show the rejection (written by the worker about once a second).
  await expect
    .poll(async () => {
      const stats = (await call("GET /connections/{id}/stats", { id: keyed.id }, 200, { query: "window=1h" })).body;
      expect(stats).toMatchObject({ window: "1h", bucket_seconds: 60 });
      expect(stats.buckets).toHaveLength(60);
      return stats.buckets.reduce((n: number, b: { failed: number }) => n + b.failed, 0);
    }, { timeout: 15_000 })
    .toBeGreaterThanOrEqual(1);
  await call("GET /connections/{id}/stats", { id: keyed.id }, 200);
  await call("GET /connections/{id}/stats", { id: keyed.id }, 400, { query: "window=2h" });
  await call("GET /connections/{id}/stats", { id: none }, 404);

  const queued = await call("POST /failures/redeliver", {}, 202, { body: { ids: [failures[0]!.id] } });
  expect(queued.headers["location"]).toBe(`/api/v1/failures/redeliveries/${queued.body.id}`);
  await call("POST /failures/redeliver", {}, 400, { body: {} });
  await call("POST /failures/redeliver", {}, 404, { body: { ids: [none] } });
  await call("POST /failures/redeliver", {}, 409, { body: { connection_id: none } });
  // Still refused when redelivered: the detail lists why it failed.
  await expect
    .poll(async () => (await call("GET /failures/redeliveries/{id}", { id: queued.body.id }, 200)).body.status, { timeout: 20_000 })
    .toBe("COMPLETED");
  expect((await call("GET /failures/redeliveries/{id}", { id: queued.body.id }, 200)).body.problems).toEqual([expect.objectContaining({ state: "FAILED", count: 1 })]);
  await call("GET /failures/redeliveries/{id}", { id: none }, 404);
  await call("GET /failures/redeliveries", {}, 200);
  await call("POST /failures/redeliveries/{id}/cancel", { id: queued.body.id }, 409);
  await call("POST /failures/redeliveries/{id}/cancel", { id: none }, 404);
  // A slow destination keeps the next redelivery running long enough to cancel it.
  receiver.respondWith((req) => ((req.json as { event_type?: string })?.event_type === CHECKED ? { status: 400, delayMs: 3_000 } : { status: 202 }));
  const slow = await call("POST /failures/redeliver", {}, 202, { body: { ids: failures.map((f) => f.id) } });
  const cancelled = (await call("POST /failures/redeliveries/{id}/cancel", { id: slow.body.id }, 200)).body;
  expect(cancelled.status).toBe("CANCELLED");

  for (const c of [hmac, keyed, plain]) await call("DELETE /connections/{id}", { id: c.id }, 204);
  await call("DELETE /connections/{id}", { id: hmac.id }, 404);

  expect([...called].sort()).toEqual(operations(doc).sort());

  // The check is not a formality: a documented field missing or mistyped in an answer is caught.
  const { enabled: _enabled, ...withoutEnabled } = keyed;
  expect(answerProblems(doc, "GET /connections/{id}", 200, withoutEnabled)).toEqual([expect.stringContaining("enabled")]);
  expect(answerProblems(doc, "GET /connections/{id}", 200, { ...keyed, created_at: Date.parse(keyed.created_at) })).toEqual([expect.stringContaining("created_at")]);
  // GET /failures answers a FailurePage or a FailureGroupPage: each alternative's problems are named.
  expect(answerProblems(doc, "GET /failures", 200, { data: [{ ...failures[0], status_code: "400" }], next_cursor: null })).toEqual(
    expect.arrayContaining([expect.stringContaining("data.0.status_code")]),
  );
  expect(answerProblems(doc, "POST /connections", 409, { error: { message: "At most 3." } })).toEqual([expect.stringContaining("error.code")]);
});
