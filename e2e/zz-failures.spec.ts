import { expect, test } from "@playwright/test";
import { startReceiver, type Receiver } from "../test/helpers/receiver";
import { signIn } from "./fixtures/auth";

// Runs after the other suites (file order): it makes room and creates its own connection.
let receiver: Receiver;
test.beforeAll(async () => {
  receiver = await startReceiver("/failing");
});
test.afterAll(async () => receiver.close());

test("failures appear after the receiver answers 500, filter, and show details with secrets masked", async ({ page }) => {
  await signIn(page);
  await page.goto("/settings/api-tokens");
  await page.getByLabel("Token name").fill("Failures suite");
  await page.getByRole("button", { name: "Create token" }).click();
  const token = (await page.getByTestId("new-api-token").textContent())!.trim();
  const auth = { Authorization: `Bearer ${token}` };

  const list = await (await page.request.get("/api/v1/connections", { headers: auth })).json();
  for (const c of list.data) await page.request.delete(`/api/v1/connections/${c.id}`, { headers: auth });
  // Only the test message is accepted: every streamed event fails, starting with the CREATED audit event.
  receiver.respondWith((req) =>
    (req.json as { event_type?: string })?.event_type === "EVENT_STREAM_CONNECTIONS_TESTED"
      ? { status: 200 }
      : { status: 500, body: '{"error":"intake overloaded"}' },
  );
  const created = await page.request.post("/api/v1/connections", {
    headers: auth,
    data: { name: "Flaky SIEM", url: receiver.url, auth: { type: "API_KEY", keys: [{ key: "X-Api-Key", value: "super-secret-value-9876", add_to: "HEADER" }] } },
  });
  expect(created.status()).toBe(201);
  const connection = await created.json();

  const published = await page.request.post("/api/v1/events", { headers: auth, data: [{ event_type: "ACCESS_REVOKED", data: { user: "eve" } }] });
  expect(published.status()).toBe(202);
  const [eventId] = (await published.json()).ids as string[];

  await page.goto("/settings/event-streaming");
  await page.getByRole("link", { name: "Failed deliveries" }).click();
  await expect(page.getByRole("heading", { name: "Failed deliveries", level: 1 })).toBeVisible();
  // The stream delivers in order: the connection's own CREATED audit event is the first to fail,
  // and the stream waits on it (backing off) before it tries ACCESS_REVOKED.
  const CREATED = "EVENT_STREAM_CONNECTIONS_CREATED";
  await expect(async () => {
    await page.reload();
    await expect(page.getByTestId("failure-row").filter({ hasText: CREATED }).first()).toBeVisible({ timeout: 2_000 });
  }).toPass({ timeout: 20_000 });
  const row = page.getByTestId("failure-row").filter({ hasText: CREATED }).first();
  await expect(row).toContainText("HTTP 500");
  await expect(row).toContainText("Flaky SIEM");
  await expect(row).toContainText("Retrying");
  await page.screenshot({ path: "test-results/screens/failures.png", fullPage: true });

  await row.getByRole("button", { name: "Details" }).click();
  const detail = page.getByTestId("failure-detail");
  await expect(detail).toContainText("intake overloaded");
  await expect(detail).toContainText(connection.id);
  await expect(detail).toContainText("X-Api-Key:");
  await expect(detail).toContainText("••••9876");
  expect(await page.content()).not.toContain("super-secret-value-9876");
  await page.screenshot({ path: "test-results/screens/failure-detail.png", fullPage: true });

  await page.getByLabel("Status").selectOption("4xx");
  await expect(page.getByText("No failed deliveries match these filters.")).toBeVisible();
  await expect(page).toHaveURL(/status_class=4xx/);
  await page.getByLabel("Status").selectOption("5xx");
  await expect(page.getByTestId("failure-row").first()).toContainText("HTTP 500");
  await page.getByLabel("Event type").fill("USER_LOGGED_IN");
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page.getByText("No failed deliveries match these filters.")).toBeVisible();
  await page.getByLabel("Event type").fill(CREATED);
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page.getByTestId("failure-row").first()).toContainText(CREATED);

  // Once the receiver is healthy again, the retried event is delivered and the list says so.
  receiver.respondWith({ status: 200 });
  await expect(async () => {
    await page.reload();
    await expect(page.getByTestId("failure-row").first()).toContainText("Delivered later", { timeout: 2_000 });
  }).toPass({ timeout: 45_000 });
  await expect
    .poll(() => receiver.requests.some((r) => (r.json as { id?: string })?.id === eventId && r.headers["x-api-key"] === "super-secret-value-9876"), {
      timeout: 15_000,
    })
    .toBe(true);
});
