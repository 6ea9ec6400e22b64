import { expect, type APIRequestContext, test } from "./fixtures/test";
import { startReceiver, type Receiver } from "../test/helpers/receiver";
import { signIn } from "./fixtures/auth";

// The REST API against the running app: same service as the UI, JSON errors with codes,
// nothing changed by a bad request, never a secret in an answer.

let receiver: Receiver;
let token: string;

test.beforeAll(async ({ browser }) => {
  receiver = await startReceiver("/api-intake");
  const page = await browser.newPage();
  await signIn(page);
  await page.goto("/settings/api-tokens");
  await page.getByLabel("Token name").fill("REST suite");
  await page.getByRole("button", { name: "Create token" }).click();
  token = (await page.getByTestId("new-api-token").textContent())!.trim();
  await page.close();
});
test.afterAll(async () => receiver.close());

const auth = () => ({ Authorization: `Bearer ${token}` });

async function count(request: APIRequestContext) {
  const res = await request.get("/api/v1/connections", { headers: auth() });
  expect(res.status()).toBe(200);
  return ((await res.json()) as { data: unknown[] }).data.length;
}

test("bad bodies get a 4xx with a code and change nothing", async ({ request }) => {
  const before = await count(request);
  const cases: { body: string; contentType?: string; status: number; code: string }[] = [
    { body: "{not json", status: 400, code: "INVALID_JSON" },
    { body: JSON.stringify({ name: "x", url: "https://example.com", auth: { type: "BASIC" } }), status: 400, code: "VALIDATION_FAILED" },
    { body: JSON.stringify({ name: "", url: receiver.url, auth: { type: "NONE" } }), status: 400, code: "VALIDATION_FAILED" },
    { body: JSON.stringify({ name: "x", url: "ftp://example.com/x", auth: { type: "NONE" } }), status: 400, code: "VALIDATION_FAILED" },
    {
      body: JSON.stringify({ name: "x", url: receiver.url, auth: { type: "API_KEY", keys: [{ key: "Bad Header", value: "v", add_to: "HEADER" }] } }),
      status: 400,
      code: "VALIDATION_FAILED",
    },
    { body: JSON.stringify({ name: "x", url: receiver.url, auth: { type: "NONE" } }), contentType: "text/plain", status: 415, code: "UNSUPPORTED_MEDIA_TYPE" },
  ];
  for (const c of cases) {
    const res = await request.post("/api/v1/connections", {
      headers: { ...auth(), "content-type": c.contentType ?? "application/json" },
      data: Buffer.from(c.body),
    });
    expect(res.status(), c.body).toBe(c.status);
    const body = await res.json();
    expect(body.error.code, c.body).toBe(c.code);
    expect(typeof body.error.message).toBe("string");
  }
  expect(await count(request)).toBe(before);
});

test("create, read, test, disable, enable and delete through the API; secrets appear only once", async ({ request }) => {
  // Make room: the UI suite may have filled the organization to its limit.
  const list = (await (await request.get("/api/v1/connections", { headers: auth() })).json()) as { data: { id: string }[] };
  for (const c of list.data.slice(2)) {
    expect((await request.delete(`/api/v1/connections/${c.id}`, { headers: auth() })).status()).toBe(204);
  }

  const privateDest = await request.post("/api/v1/connections", {
    headers: auth(),
    data: { name: "Metadata", url: "http://169.254.169.254/latest", auth: { type: "NONE" } },
  });
  expect(privateDest.status()).toBe(400);
  expect((await privateDest.json()).error.code).toBe("DESTINATION_NOT_ALLOWED");

  receiver.respondWith({ status: 502, body: "bad gateway" });
  const failing = await request.post("/api/v1/connections", { headers: auth(), data: { name: "Down", url: receiver.url, auth: { type: "HMAC" } } });
  expect(failing.status()).toBe(422);
  expect((await failing.json()).error).toMatchObject({ code: "DESTINATION_TEST_FAILED", details: { ok: false, status: 502 } });
  receiver.respondWith({ status: 202 });

  const created = await request.post("/api/v1/connections", { headers: auth(), data: { name: "API made", url: receiver.url, auth: { type: "HMAC" } } });
  expect(created.status()).toBe(201);
  const connection = await created.json();
  expect(connection.hmac_secret).toMatch(/^[A-Za-z0-9_-]{43,}$/);
  expect(receiver.verifies(receiver.requests.at(-1)!, connection.hmac_secret)).toBe(true);
  expect(connection.auth.hmac_secrets).toHaveLength(1);

  const fetched = await request.get(`/api/v1/connections/${connection.id}`, { headers: auth() });
  expect(JSON.stringify(await fetched.json())).not.toContain(connection.hmac_secret);

  for (let n = await count(request); n < 3; n++) {
    const filler = await request.post("/api/v1/connections", { headers: auth(), data: { name: `Filler ${n}`, url: receiver.url, auth: { type: "NONE" } } });
    expect(filler.status()).toBe(201);
  }
  const fourth = await request.post("/api/v1/connections", { headers: auth(), data: { name: "One too many", url: receiver.url, auth: { type: "NONE" } } });
  expect(fourth.status()).toBe(409);
  expect((await fourth.json()).error.code).toBe("CONNECTION_LIMIT_REACHED");

  const tested = await request.post(`/api/v1/connections/${connection.id}/test`, { headers: auth() });
  expect(await tested.json()).toMatchObject({ ok: true, status: 202, error: null });

  const disabled = await (await request.post(`/api/v1/connections/${connection.id}/disable`, { headers: auth() })).json();
  expect(disabled).toMatchObject({ enabled: false, disabled_reason: "MANUAL" });
  const enabled = await (await request.post(`/api/v1/connections/${connection.id}/enable`, { headers: auth() })).json();
  expect(enabled).toMatchObject({ enabled: true, disabled_reason: null });

  const added = await request.post(`/api/v1/connections/${connection.id}/hmac-secrets`, { headers: auth() });
  expect(added.status()).toBe(201);
  const secret = await added.json();
  const third = await request.post(`/api/v1/connections/${connection.id}/hmac-secrets`, { headers: auth() });
  expect(third.status()).toBe(409);
  expect((await request.delete(`/api/v1/connections/${connection.id}/hmac-secrets/${secret.id}`, { headers: auth() })).status()).toBe(204);
  const last = connection.auth.hmac_secrets[0].id;
  const lastOne = await request.delete(`/api/v1/connections/${connection.id}/hmac-secrets/${last}`, { headers: auth() });
  expect(lastOne.status()).toBe(409);

  const renamed = await request.patch(`/api/v1/connections/${connection.id}`, { headers: auth(), data: { name: "API renamed" } });
  expect((await renamed.json()).name).toBe("API renamed");

  expect((await request.delete(`/api/v1/connections/${connection.id}`, { headers: auth() })).status()).toBe(204);
  const gone = await request.get(`/api/v1/connections/${connection.id}`, { headers: auth() });
  expect(gone.status()).toBe(404);
  expect((await gone.json()).error.code).toBe("NOT_FOUND");
});

test("the OpenAPI document describes the connection routes", async ({ request }) => {
  const doc = await (await request.get("/api/v1/openapi.json")).json();
  expect(doc.openapi).toBe("3.1.0");
  expect(Object.keys(doc.paths)).toEqual(
    expect.arrayContaining([
      "/connections",
      "/connections/{id}",
      "/connections/{id}/test",
      "/connections/{id}/hmac-secrets/{secretId}",
      "/failures",
      "/failures/redeliver",
      "/failures/redeliveries/{id}",
    ]),
  );
});

test("redelivery requests: bad bodies and unknown ids are refused with a code and queue nothing", async ({ request }) => {
  const list = async () => {
    const res = await request.get("/api/v1/failures/redeliveries", { headers: auth() });
    expect(res.status()).toBe(200);
    return ((await res.json()) as { data: unknown[] }).data.length;
  };
  const before = await list();
  const post = (data: unknown, headers: Record<string, string> = auth()) => request.post("/api/v1/failures/redeliver", { headers, data });
  expect((await post({ ids: [crypto.randomUUID()] }, {})).status()).toBe(401);
  for (const [body, status, code] of [
    [{}, 400, "VALIDATION_FAILED"],
    [{ ids: [] }, 400, "VALIDATION_FAILED"],
    [{ ids: ["not-a-uuid"] }, 400, "VALIDATION_FAILED"],
    [{ since: "last week" }, 400, "VALIDATION_FAILED"],
    [{ connection_id: crypto.randomUUID(), shade: "blue" }, 400, "VALIDATION_FAILED"],
    [{ ids: [crypto.randomUUID()] }, 404, "NOT_FOUND"],
  ] as const) {
    const res = await post(body);
    expect(res.status(), JSON.stringify(body)).toBe(status);
    expect((await res.json()).error.code).toBe(code);
  }
  const nothing = await post({ connection_id: crypto.randomUUID() });
  expect(nothing.status()).toBe(409);
  expect((await nothing.json()).error.message).toContain("Nothing to redeliver");
  expect((await request.get(`/api/v1/failures/redeliveries/${crypto.randomUUID()}`, { headers: auth() })).status()).toBe(404);
  expect((await request.post(`/api/v1/failures/redeliveries/${crypto.randomUUID()}/cancel`, { headers: auth() })).status()).toBe(404);
  expect(await list()).toBe(before);
});

test("events published through the API stream to a connection through the running worker", async ({ request }) => {
  const list = (await (await request.get("/api/v1/connections", { headers: auth() })).json()) as { data: { id: string }[] };
  for (const c of list.data) await request.delete(`/api/v1/connections/${c.id}`, { headers: auth() });
  receiver.respondWith({ status: 202 });
  const created = await request.post("/api/v1/connections", { headers: auth(), data: { name: "Stream target", url: receiver.url, auth: { type: "HMAC" } } });
  expect(created.status()).toBe(201);
  const { hmac_secret: secret } = await created.json();

  const bad = await request.post("/api/v1/events", {
    headers: auth(),
    data: [{ event_type: "USER_LOGGED_IN" }, { event_type: "lowercase" }, { event_type: "X", severity: "LOUD" }],
  });
  expect(bad.status()).toBe(400);
  const badBody = await bad.json();
  expect(badBody.error.code).toBe("VALIDATION_FAILED");
  expect(badBody.error.details.map((d: { index: number }) => d.index)).toEqual([1, 2]);

  const tooMany = await request.post("/api/v1/events", { headers: auth(), data: Array.from({ length: 1001 }, () => ({ event_type: "X" })) });
  expect(tooMany.status()).toBe(413);
  expect((await request.post("/api/v1/events", { data: { event_type: "X" } })).status()).toBe(401);

  const before = receiver.requests.length;
  const published = await request.post("/api/v1/events", {
    headers: auth(),
    data: [
      { event_type: "USER_LOGGED_IN", actor_email: "eve@acme.test", data: { method: "sso" } },
      { event_type: "ACCESS_GRANTED", severity: "WARNING", data: { resource: "prod-db" } },
    ],
  });
  expect(published.status()).toBe(202);
  const { accepted, ids } = await published.json();
  expect(accepted).toBe(2);
  // Sending the same ids again is accepted without duplicates.
  const again = await request.post("/api/v1/events", { headers: auth(), data: [{ id: ids[0], event_type: "USER_LOGGED_IN" }] });
  expect(again.status()).toBe(202);

  await expect
    .poll(() => receiver.requests.slice(before).filter((r) => ids.includes((r.json as { id: string }).id)).length, { timeout: 15_000 })
    .toBe(2);
  const streamedEvents = receiver.requests.slice(before).filter((r) => ids.includes((r.json as { id: string }).id));
  for (const r of streamedEvents) expect(receiver.verifies(r, secret)).toBe(true);
  // The bad batch stored nothing, so nothing of it was streamed.
  expect(receiver.requests.slice(before).some((r) => (r.json as { event_type: string }).event_type === "lowercase")).toBe(false);
  expect((streamedEvents[0]!.json as { data: unknown }).data).toEqual({ method: "sso" });

  const metrics = await request.get("/api/metrics", { headers: auth() });
  expect(metrics.status()).toBe(200);
  const text = await metrics.text();
  expect(text).toContain("# TYPE tributary_deliveries_total counter");
  expect(text).toMatch(/tributary_connection_lag_events\{connection_id="[^"]+",connection_name="Stream target"\} \d+/);
  expect((await request.get("/api/metrics")).status()).toBe(401);
});
