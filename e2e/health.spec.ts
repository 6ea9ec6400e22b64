import { expect, type Page, test } from "@playwright/test";
import { startReceiver, type Receiver } from "../test/helpers/receiver";
import { signIn } from "./fixtures/auth";

// Connection health as an admin sees it: the badge on the list and the connection page turns
// Failing within seconds of a failing destination (without reloading), the chart shows the
// failures, recovery turns it Healthy; failed deliveries are one row per event that expands to
// every attempt; nothing is clipped at 1280 px or 390 px.

let receiver: Receiver;
test.beforeAll(async () => {
  receiver = await startReceiver("/health");
});
test.afterAll(async () => receiver.close());

async function freshStart(page: Page) {
  await signIn(page);
  await page.goto("/settings/api-tokens");
  await page.getByLabel("Token name").fill("Health suite");
  await page.getByRole("button", { name: "Create token" }).click();
  const token = (await page.getByTestId("new-api-token").textContent())!.trim();
  const auth = { Authorization: `Bearer ${token}` };
  const list = await (await page.request.get("/api/v1/connections", { headers: auth })).json();
  for (const c of list.data) await page.request.delete(`/api/v1/connections/${c.id}`, { headers: auth });
  return auth;
}

/**
 * Nothing sticks out to the right: the page does not scroll sideways and every cell ends inside the
 * viewport (retried for a moment after a resize: the charts re-measure their container).
 */
async function expectNoClipping(page: Page, what: string) {
  await expect(async () => expect(await overflowOf(page), what).toEqual({ page: 0, cells: [] })).toPass({ timeout: 5_000 });
}

async function overflowOf(page: Page) {
  return page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const cells = [...document.querySelectorAll("main td, main th, main button, main [data-testid=health-badge]")]
      .filter((e) => (e as HTMLElement).offsetParent !== null && !e.closest(".sr-only"))
      .map((e) => ({ text: (e.textContent ?? "").trim().slice(0, 40), right: e.getBoundingClientRect().right }))
      .filter((c) => c.right > width + 0.5);
    return { page: document.documentElement.scrollWidth - window.innerWidth, cells };
  });
}

test("a failing destination turns the badge Failing within seconds, the chart shows it, recovery turns it Healthy", async ({ page }) => {
  test.setTimeout(120_000);
  const auth = await freshStart(page);
  receiver.respondWith((req) =>
    (req.json as { event_type?: string })?.event_type === "EVENT_STREAM_CONNECTIONS_TESTED" ? { status: 200 } : { status: 503, body: "maintenance" },
  );
  const created = await page.request.post("/api/v1/connections", { headers: auth, data: { name: "Splunk HEC", url: receiver.url, auth: { type: "NONE" } } });
  expect(created.status()).toBe(201);
  const connection = await created.json();
  expect(connection.health).toMatchObject({ state: expect.stringMatching(/^(IDLE|HEALTHY)$/), failing_since: null });
  // The connection's own CREATED audit event is the first to fail; the stream waits on it, probing
  // with backoff (1 s, 2 s, 4 s, …), so this suite stays below the e2e server's auto-disable sample
  // (10 attempts in a minute) while it looks.
  const published = await page.request.post("/api/v1/events", { headers: auth, data: { event_type: "USER_LOGGED_IN", data: { waiting: true } } });
  expect(published.status()).toBe(202);

  // The list refreshes by itself: no reload between the two states.
  await page.goto("/settings/event-streaming");
  const row = page.getByTestId("connection-row").filter({ hasText: "Splunk HEC" });
  await expect(row).toContainText("Enabled");
  await expect(row.getByTestId("health-badge")).toHaveAttribute("data-state", "FAILING", { timeout: 30_000 });
  await expect(row.getByTestId("health-badge")).toContainText(/Failing since \d/);
  await expect(row.getByTestId("health-line")).toContainText(/\d+ behind/);
  await page.setViewportSize({ width: 1280, height: 800 });
  await expectNoClipping(page, "list at 1280 px");
  await page.screenshot({ path: "test-results/screens/health-list-1280.png", fullPage: true });

  const api = await (await page.request.get(`/api/v1/connections/${connection.id}`, { headers: auth })).json();
  expect(api.health).toMatchObject({ state: "FAILING", last_success_at: null, failing_since: expect.any(String) });
  expect(api.health.lag_events).toBeGreaterThanOrEqual(2);

  await row.getByRole("link", { name: "Splunk HEC" }).click();
  await expect(page.getByRole("heading", { name: "Splunk HEC", level: 1 })).toBeVisible();
  await expect(page.getByTestId("health-badge")).toHaveAttribute("data-state", "FAILING");
  await expect(page.getByTestId("health-facts")).toContainText("Events behind");
  await page.getByRole("button", { name: "1 hour" }).click();
  await expect(page.getByRole("button", { name: "1 hour" })).toHaveAttribute("aria-pressed", "true");
  await expect(page.getByTestId("chart-summary")).toContainText(/In the last hour: \d+ events delivered, [1-9][\d,]* failed attempts/, { timeout: 20_000 });
  await expect(page.getByTestId("chart-deliveries").locator("svg .recharts-bar-rectangle").first()).toBeVisible();
  // Screen readers get the same figures as a table.
  await expect(page.getByRole("table", { name: /Deliveries and latency of the last hour/ })).toBeAttached();
  await expectNoClipping(page, "connection page at 1280 px");
  await page.screenshot({ path: "test-results/screens/health-connection-1280.png", fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await expectNoClipping(page, "connection page at 390 px");
  await page.screenshot({ path: "test-results/screens/health-connection-390.png", fullPage: true });

  // Recovered: the badge turns Healthy on its own and the backlog drains.
  receiver.respondWith({ status: 200 });
  await expect(page.getByTestId("health-badge")).toHaveAttribute("data-state", "HEALTHY", { timeout: 30_000 });
  await expect(page.getByTestId("health-facts")).toContainText("none");
  await page.goto("/settings/event-streaming");
  await expect(page.getByTestId("connection-card").filter({ hasText: "Splunk HEC" }).getByTestId("health-badge")).toHaveAttribute("data-state", "HEALTHY");
  await expectNoClipping(page, "list at 390 px");
  await page.screenshot({ path: "test-results/screens/health-list-390.png", fullPage: true });

  // Disabled: Paused.
  await page.request.post(`/api/v1/connections/${connection.id}/disable`, { headers: auth });
  expect((await (await page.request.get(`/api/v1/connections/${connection.id}`, { headers: auth })).json()).health.state).toBe("PAUSED");
});

test("failed deliveries are one row per event that expands to every attempt, without clipping at 1280 px or 390 px", async ({ page }) => {
  test.setTimeout(120_000);
  const auth = await freshStart(page);
  receiver.respondWith((req) =>
    (req.json as { event_type?: string })?.event_type === "EVENT_STREAM_CONNECTIONS_TESTED" ? { status: 200 } : { status: 502, body: '{"error":"upstream gone"}' },
  );
  const created = await page.request.post("/api/v1/connections", { headers: auth, data: { name: "Stuck SIEM", url: receiver.url, auth: { type: "NONE" } } });
  expect(created.status()).toBe(201);
  const { id } = await created.json();
  const CREATED = "EVENT_STREAM_CONNECTIONS_CREATED";
  // The stream retries its first event with backoff (1 s, 2 s, …): wait for three attempts of it.
  await expect
    .poll(async () => {
      const body = await (await page.request.get(`/api/v1/failures?group=event&connection_id=${id}`, { headers: auth })).json();
      return (body.data as { event_type: string; attempts: number }[]).find((g) => g.event_type === CREATED)?.attempts ?? 0;
    }, { timeout: 30_000 })
    .toBeGreaterThanOrEqual(3);
  const attempts = await (await page.request.get(`/api/v1/failures?connection_id=${id}&event_type=${CREATED}`, { headers: auth })).json();
  expect(attempts.data.length).toBeGreaterThanOrEqual(3);

  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto(`/settings/event-streaming/failures?connection_id=${id}`);
  const rows = page.getByTestId("failure-row");
  await expect(rows.filter({ hasText: CREATED })).toHaveCount(1);
  const row = rows.filter({ hasText: CREATED });
  await expect(row).toContainText(/\d+ attempts/);
  await expect(row).toContainText("HTTP 502");
  await expect(row).toContainText("Retrying");
  await expectNoClipping(page, "failures at 1280 px");
  await page.screenshot({ path: "test-results/screens/failures-grouped-1280.png", fullPage: true });

  await row.getByRole("button", { name: "Details" }).click();
  const list = page.getByTestId("failure-attempts");
  await expect(list.getByTestId("failure-attempt").nth(2)).toBeVisible();
  await expect(list).toContainText("Attempt 1");
  await expect(page.getByTestId("failure-detail")).toContainText("upstream gone");
  // Another attempt's request and answer.
  await list.getByTestId("failure-attempt").last().click();
  await expect(page.getByTestId("failure-detail")).toContainText("Request of attempt 1");
  await expectNoClipping(page, "expanded row at 1280 px");
  await page.screenshot({ path: "test-results/screens/failures-expanded-1280.png", fullPage: true });

  await page.setViewportSize({ width: 390, height: 844 });
  await expect(row.getByRole("button", { name: "Hide" })).toBeVisible();
  await expectNoClipping(page, "failures at 390 px");
  await page.screenshot({ path: "test-results/screens/failures-grouped-390.png", fullPage: true });

  receiver.respondWith({ status: 200 });
  await page.request.post(`/api/v1/connections/${id}/disable`, { headers: auth });
});
