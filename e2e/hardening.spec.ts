import fs from "node:fs";
import path from "node:path";
import { Agent, request as undiciRequest } from "undici";
import { startReceiver, type Receiver } from "../test/helpers/receiver";
import { signIn } from "./fixtures/auth";
import { countApiTokens, ensureUser } from "./fixtures/db";
import { ADMIN, E2E } from "./fixtures/env";
import { type APIRequestContext, type APIResponse, expect, type Page, test } from "./fixtures/test";

// The security review's findings, each checked against the running app the way an attacker
// or a user would meet it.
test.describe.configure({ mode: "serial" });

const VICTIM = { email: "vic@acme.test", name: "Vic Admin", role: "ADMIN" as const, password: "vic's long enough password" };
const MEMBER = { email: "mo@acme.test", name: "Mo Member", role: "MEMBER" as const, password: "mo's long enough password" };

let receiver: Receiver;
let other: Receiver;
let token: string;
const auth = () => ({ Authorization: `Bearer ${token}` });

async function createToken(page: Page, name: string): Promise<string> {
  await page.goto("/settings/api-tokens");
  await page.getByLabel("Token name").fill(name);
  await page.getByRole("button", { name: "Create token" }).click();
  return (await page.getByTestId("new-api-token").textContent())!.trim();
}

async function makeRoom(request: APIRequestContext) {
  const list = (await (await request.get("/api/v1/connections", { headers: auth() })).json()) as { data: { id: string }[] };
  for (const c of list.data) expect((await request.delete(`/api/v1/connections/${c.id}`, { headers: auth() })).status()).toBe(204);
}

test.beforeAll(async ({ browser }) => {
  receiver = await startReceiver("/hardening");
  other = await startReceiver("/elsewhere");
  const page = await browser.newPage();
  await signIn(page);
  token = await createToken(page, "Hardening suite");
  await page.close();
});
test.afterAll(async () => {
  await receiver.close();
  await other.close();
});

test("the audit event's actor IP is the socket's, whatever X-Forwarded-For or X-Real-IP the client sends", async ({ request }) => {
  await makeRoom(request);
  const created = await request.post("/api/v1/connections", {
    headers: { ...auth(), "X-Forwarded-For": "6.6.6.6", "X-Real-IP": "7.7.7.7" },
    data: { name: "Header check", url: receiver.url, auth: { type: "NONE" } },
  });
  expect(created.status()).toBe(201);
  // The test message (the connection's first streamed audit events may follow it at once).
  const sent = receiver.requests.map((r) => r.json as { event_type: string; actor_ip_address: string });
  const tested = sent.filter((e) => e.event_type === "EVENT_STREAM_CONNECTIONS_TESTED");
  expect(tested).toHaveLength(1);
  for (const event of sent) expect(event.actor_ip_address).toBe("127.0.0.1");
});

/** A sign-in attempt the way the form makes it, from another address on this machine (another client). */
async function signInFrom(localAddress: string, email: string, password: string, headers: Record<string, string> = {}): Promise<string | null> {
  const dispatcher = new Agent({ localAddress });
  try {
    const csrf = await undiciRequest(`${E2E.baseUrl}/api/auth/csrf`, { dispatcher });
    const cookie = ([] as string[])
      .concat(csrf.headers["set-cookie"] ?? [])
      .map((c) => c.split(";")[0])
      .join("; ");
    const { csrfToken } = (await csrf.body.json()) as { csrfToken: string };
    const res = await undiciRequest(`${E2E.baseUrl}/api/auth/callback/credentials`, {
      method: "POST",
      dispatcher,
      headers: { "content-type": "application/x-www-form-urlencoded", cookie, ...headers },
      body: new URLSearchParams({ email, password, csrfToken, json: "true" }).toString(),
    });
    const { url } = (await res.body.json()) as { url: string };
    return new URL(url, E2E.baseUrl).searchParams.get("error");
  } finally {
    await dispatcher.close();
  }
}

test("a guesser cannot lock an admin out, nor win more tries by changing X-Forwarded-For", async ({ page }) => {
  await ensureUser(VICTIM);
  // Counted per 15-minute window: 21 guesses hold 11 within one window whichever boundary they cross.
  const answers: (string | null)[] = [];
  for (let i = 0; i < 21 && !answers.some((a) => a?.startsWith("RATE_LIMITED:")); i++) {
    answers.push(await signInFrom("127.0.0.9", VICTIM.email, `guess number ${i}`, { "X-Forwarded-For": `198.51.100.${i}` }));
  }
  // Each address it claimed was new, yet from the 11th guess on the client is refused, before any password is checked.
  expect(answers.filter((a) => a === "CredentialsSignin").length).toBeGreaterThanOrEqual(10);
  expect(answers.at(-1)).toMatch(/^RATE_LIMITED:\d+$/);
  expect(await signInFrom("127.0.0.9", VICTIM.email, VICTIM.password, { "X-Real-IP": "203.0.113.251" })).toMatch(/^RATE_LIMITED:\d+$/);

  // The admin, on their own machine, still gets in with the right password.
  await signIn(page, VICTIM.email, VICTIM.password);
  await expect(page.getByTestId("signed-in-user")).toContainText(VICTIM.email);
});

test("after sign-in, a callbackUrl to another origin lands on this site instead", async ({ browser }) => {
  for (const callback of ["/%5Cevil.example", "//evil.example/path", "https://evil.example/"]) {
    const context = await browser.newContext();
    const page = await context.newPage();
    const left: string[] = [];
    page.on("request", (r) => {
      if (!r.url().startsWith(E2E.baseUrl)) left.push(r.url());
    });
    await page.goto(`/login?callbackUrl=${callback}`);
    await page.getByLabel("Email").fill(ADMIN.email);
    await page.getByLabel("Password").fill(ADMIN.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByTestId("signed-in-user")).toBeVisible();
    expect(new URL(page.url()).origin, callback).toBe(E2E.baseUrl);
    expect(left, callback).toEqual([]);
    await context.close();
  }
});

test("a member gets no admin-only content, sees no change controls however a page is requested, and every server action that changes something refuses them", async ({ browser, request }) => {
  await ensureUser(MEMBER);
  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page, MEMBER.email, MEMBER.password);
  const connections = (await (await request.get("/api/v1/connections", { headers: auth() })).json()) as { data: { id: string; name: string }[] };
  const connection = connections.data[0]!;

  await page.goto("/settings/api-tokens");
  await expect(page.getByText("Admins only")).toBeVisible();
  await page.screenshot({ path: "test-results/screens/member-settings.png", fullPage: true });

  // A document request, and the flight data a client-side navigation asks for.
  const variants: Record<string, string>[] = [{}, { RSC: "1" }, { RSC: "1", "Next-Router-State-Tree": encodeURIComponent(JSON.stringify(["", { children: ["(console)", { children: ["settings", { children: ["__PAGE__", {}] }] }] }, null, null, true])) }];
  // Admins only: nothing of the organization's tokens, people or connections.
  for (const url of ["/settings/api-tokens", "/settings/members", "/settings/event-streaming/new"]) {
    for (const headers of variants) {
      const body = await (await context.request.get(url, { headers })).text();
      expect(body, `${url} ${JSON.stringify(headers)}`).not.toContain("Hardening suite");
      expect(body, `${url} ${JSON.stringify(headers)}`).not.toContain(VICTIM.email);
      expect(body, `${url} ${JSON.stringify(headers)}`).not.toContain(receiver.url);
    }
  }
  // Members may read these, without a single change control.
  for (const url of ["/settings/event-streaming", `/settings/event-streaming/${connection.id}`, "/settings/event-streaming/failures"]) {
    for (const headers of variants) {
      const body = await (await context.request.get(url, { headers })).text();
      for (const control of ['role="switch"', "Send test event", "Delete connection", "Save changes", "+ Event Streaming Connection", "Redeliver selected", "Redeliver all matching", "Redeliver this event"]) {
        expect(body, `${url} ${JSON.stringify(headers)}: ${control}`).not.toContain(control);
      }
    }
  }
  // What members may read includes the connection's health and its delivery chart.
  await page.goto(`/settings/event-streaming/${connection.id}`);
  await expect(page.getByTestId("health-badge")).toBeVisible();
  await expect(page.getByRole("heading", { name: "Deliveries" })).toBeVisible();

  // Every server action of the build, invoked with the member's session: the ones that only read answer, the rest refuse.
  const READ_ONLY = new Set([
    "listFailuresAction",
    "listFailureGroupsAction",
    "failureDetailAction",
    "listRedeliveriesAction",
    "connectionHealthAction",
    "connectionStatsAction",
  ]);
  const manifest = JSON.parse(fs.readFileSync(path.join(".next", "server", "server-reference-manifest.json"), "utf8")) as {
    node: Record<string, { filename: string; exportedName: string; workers: Record<string, unknown> }>;
  };
  const actions = Object.entries(manifest.node).filter(([, a]) => a.filename.startsWith("app/(console)/"));
  expect(actions.length).toBeGreaterThanOrEqual(16);
  // "app/(console)/settings/event-streaming/[id]/page" → /settings/event-streaming/<id>: a page that loads the action.
  const pageOf = (worker: string) =>
    `/${worker
      .replace(/^app\//, "")
      .replace(/\/?page$/, "")
      .split("/")
      .filter((s) => s && !/^\(.*\)$/.test(s))
      .map((s) => (s === "[id]" ? connection.id : s))
      .join("/")}`;
  for (const [id, action] of actions) {
    const res = await context.request.post(pageOf(Object.keys(action.workers)[0]!), {
      headers: { "Next-Action": id, "Content-Type": "text/plain;charset=UTF-8", Accept: "text/x-component", Origin: E2E.baseUrl },
      data: JSON.stringify(action.exportedName === "createTokenAction" ? [{ name: "Made by a member", scope: "ADMIN" }] : [connection.id, { name: "x" }]),
    });
    const body = await res.text();
    if (READ_ONLY.has(action.exportedName)) expect(body, action.exportedName).not.toContain('"code":"FORBIDDEN"');
    else expect(body, action.exportedName).toContain('"code":"FORBIDDEN"');
  }
  expect(await countApiTokens("Made by a member")).toBe(0);
  await context.close();
});

test("pages carry a nonce-based Content-Security-Policy that their scripts satisfy, and frame only on this origin", async ({ page }) => {
  await signIn(page);
  for (const url of ["/login", "/settings/event-streaming", "/settings/event-streaming/new", "/settings/event-streaming/failures", "/settings/api-tokens", "/settings/members"]) {
    const res = await page.request.get(url);
    const csp = res.headers()["content-security-policy"] ?? "";
    const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
    expect(nonce, url).toBeTruthy();
    expect(csp).toContain(`script-src 'self' 'nonce-${nonce}' 'strict-dynamic'`);
    expect(csp).not.toContain("unsafe-inline");
    expect(csp).toContain("frame-ancestors 'self'");
    expect(res.headers()["x-frame-options"]).toBe("SAMEORIGIN");
    expect(res.headers()["x-content-type-options"]).toBe("nosniff");
    expect(res.headers()["referrer-policy"]).toBe("same-origin");
    // APP_URL is http:// here, so no HSTS (it would pin the browser to https for this host).
    expect(res.headers()["strict-transport-security"]).toBeUndefined();
    const scripts = [...(await res.text()).matchAll(/<script\b[^>]*>/g)].map((m) => m[0]);
    expect(scripts.length).toBeGreaterThan(0);
    for (const tag of scripts) expect(tag, url).toContain(`nonce="${nonce}"`);
  }
  // Rendered in the browser, the pages work with the policy on (the cspGuard fixture fails on any violation).
  await page.goto("/settings/event-streaming/new");
  await page.locator("label", { hasText: "Datadog" }).first().click();
  await expect(page.getByRole("textbox", { name: "URL" })).toHaveValue(/datadoghq/);
  const api = await page.request.get("/api/v1/openapi.json");
  expect(api.headers()["content-security-policy"]).toBe("default-src 'none'; frame-ancestors 'none'");
});

test("publishing refuses Tributary's own EVENT_STREAM_* types and absurdly nested data with a 400, storing nothing", async ({ request }) => {
  const reserved = await request.post("/api/v1/events", { headers: auth(), data: [{ event_type: "FINE" }, { event_type: "EVENT_STREAM_CONNECTIONS_DELETED" }] });
  expect(reserved.status()).toBe(400);
  expect((await reserved.json()).error).toMatchObject({ code: "VALIDATION_FAILED", details: [{ index: 1, path: "event_type" }] });

  const depth = 100_000;
  const deep = `{"event_type":"DEEP","data":{"a":${"[".repeat(depth)}${"]".repeat(depth)}}}`;
  const nested = await request.post("/api/v1/events", { headers: { ...auth(), "content-type": "application/json" }, data: Buffer.from(deep) });
  expect(nested.status()).toBe(400);
  expect((await nested.json()).error).toMatchObject({ code: "VALIDATION_FAILED", details: [{ path: "data", message: expect.stringContaining("32 levels") }] });
});

test("a crafted failures cursor is a 400, not a server error", async ({ request }) => {
  const cursor = Buffer.from("2026-13-45T99:99:99.000000Z|------------------------------------").toString("base64url");
  const res = await request.get(`/api/v1/failures?cursor=${cursor}`, { headers: auth() });
  expect(res.status()).toBe(400);
  expect((await res.json()).error).toMatchObject({ code: "VALIDATION_FAILED", details: [{ path: "cursor" }] });
});

test("plain http:// to a public address is refused as INSECURE_DESTINATION, in the API and the form", async ({ page, request }) => {
  const res = await request.post("/api/v1/connections", { headers: auth(), data: { name: "Plain", url: "http://8.8.8.8/intake", auth: { type: "NONE" } } });
  expect(res.status()).toBe(400);
  expect((await res.json()).error).toMatchObject({ code: "INSECURE_DESTINATION", message: expect.stringContaining("Use https://") });

  await signIn(page);
  await page.goto("/settings/event-streaming/new");
  await page.getByLabel("Name", { exact: true }).fill("Plain");
  await page.getByRole("textbox", { name: "URL" }).fill("http://8.8.8.8/intake");
  await page.getByRole("button", { name: "Add Connection" }).click();
  await expect(page.getByText("Use https:// for 8.8.8.8")).toBeVisible();
  await expect(page.getByRole("textbox", { name: "URL" })).toHaveAttribute("aria-invalid", "true");
});

test("moving a connection to another origin needs its API key values again; stored ones never reach the new URL", async ({ page, request }) => {
  await makeRoom(request);
  const created = await request.post("/api/v1/connections", {
    headers: auth(),
    data: { name: "Keyed", url: receiver.url, auth: { type: "API_KEY", keys: [{ key: "X-Api-Key", value: "stored-secret-value-1234", add_to: "HEADER" }] } },
  });
  expect(created.status()).toBe(201);
  const { id } = await created.json();

  const moved = await request.patch(`/api/v1/connections/${id}`, { headers: auth(), data: { url: other.url } });
  expect(moved.status()).toBe(400);
  expect((await moved.json()).error).toMatchObject({ code: "VALIDATION_FAILED", message: expect.stringContaining("never sent to a new origin") });
  expect(other.requests).toHaveLength(0);

  await signIn(page);
  await page.goto(`/settings/event-streaming/${id}`);
  await page.getByRole("textbox", { name: "URL" }).fill(other.url);
  await expect(page.getByText("Enter the key values again")).toBeVisible();
  await expect(page.getByLabel("Value 1")).toHaveAttribute("placeholder", "");
  await page.screenshot({ path: "test-results/screens/connection-new-origin.png", fullPage: true });
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page.getByText("Enter this value again: stored values are not sent to a new origin.")).toBeVisible();
  expect(other.requests).toHaveLength(0);

  await page.getByLabel("Value 1").fill("value-for-the-new-origin-5678");
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page).toHaveURL(/\/settings\/event-streaming$/);
  // The test event, then whatever streams next: all with the value entered for this origin.
  expect((other.requests[0]!.json as { event_type: string }).event_type).toBe("EVENT_STREAM_CONNECTIONS_TESTED");
  for (const r of other.requests) expect(r.headers["x-api-key"]).toBe("value-for-the-new-origin-5678");
});

test("test sends are limited per connection, in the API (429, Retry-After) and on the page", async ({ page, request }) => {
  const created = await request.post("/api/v1/connections", { headers: auth(), data: { name: "Tested often", url: receiver.url, auth: { type: "NONE" } } });
  expect(created.status()).toBe(201);
  const { id } = await created.json();
  // Counted per calendar minute: 21 tries hold 11 within one minute whichever minute boundary they cross.
  let limited: APIResponse | undefined;
  let answered = 0;
  for (let i = 0; i < 21 && !limited; i++) {
    const res = await request.post(`/api/v1/connections/${id}/test`, { headers: auth() });
    if (res.status() === 429) limited = res;
    else {
      expect(res.status()).toBe(200);
      answered++;
    }
  }
  if (!limited) throw new Error("21 tests in a row were all sent");
  expect(answered).toBeGreaterThanOrEqual(10);
  expect(Number(limited.headers()["retry-after"])).toBeGreaterThan(0);
  expect((await limited.json()).error.code).toBe("RATE_LIMITED");

  await signIn(page);
  await page.goto(`/settings/event-streaming/${id}`);
  // Within a minute of the API's tests, or after a few more if a new minute began.
  await expect(async () => {
    await page.getByRole("button", { name: "Send test event" }).click();
    await expect(page.getByText(/tested 10 times in the last minute/)).toBeVisible({ timeout: 2_000 });
  }).toPass({ timeout: 45_000 });
});

test("an API token gets API_RATE_LIMIT requests a minute, then 429 with Retry-After; publishing has its own budget", async ({ browser, request }) => {
  const page = await browser.newPage();
  await signIn(page);
  const probe = await createToken(page, "Rate limit probe");
  await page.close();
  const headers = { Authorization: `Bearer ${probe}` };
  // The budget refills at 10 a second, so ask faster than that (25 at a time) until it runs out.
  let first429: APIResponse | undefined;
  let answered = 0;
  for (let sent = 0; !first429 && sent < 3_000; sent += 25) {
    for (const res of await Promise.all(Array.from({ length: 25 }, () => request.get("/api/v1/me", { headers })))) {
      if (res.status() === 429) first429 ??= res;
      else {
        expect(res.status()).toBe(200);
        answered++;
      }
    }
  }
  if (!first429) throw new Error("3,000 requests were all answered");
  expect(answered).toBeGreaterThanOrEqual(600);
  expect(Number(first429.headers()["retry-after"])).toBeGreaterThanOrEqual(1);
  expect((await first429.json()).error).toMatchObject({ code: "RATE_LIMITED", details: { limit_per_minute: 600 } });
  // Another token is not affected, and neither is publishing with this one.
  expect((await request.get("/api/v1/me", { headers: auth() })).status()).toBe(200);
  expect((await request.post("/api/v1/events", { headers, data: { event_type: "STILL_PUBLISHING" } })).status()).toBe(202);
});
