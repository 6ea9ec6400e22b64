import fs from "node:fs";
import path from "node:path";
import { expect, type Page, test } from "./fixtures/test";
import { startReceiver, type Receiver } from "../test/helpers/receiver";
import { signIn } from "./fixtures/auth";
import { E2E } from "./fixtures/env";

// Runs after the other suites (file order): it makes room and creates its own connection.
let receiver: Receiver;
test.beforeAll(async () => {
  receiver = await startReceiver("/failing");
});
test.afterAll(async () => receiver.close());

/** Signs in, creates an API token, and deletes every connection so this test has room. */
async function freshStart(page: Page, tokenName: string) {
  await signIn(page);
  await page.goto("/settings/api-tokens");
  await page.getByLabel("Token name").fill(tokenName);
  await page.getByRole("button", { name: "Create token" }).click();
  const token = (await page.getByTestId("new-api-token").textContent())!.trim();
  const auth = { Authorization: `Bearer ${token}` };
  const list = await (await page.request.get("/api/v1/connections", { headers: auth })).json();
  for (const c of list.data) await page.request.delete(`/api/v1/connections/${c.id}`, { headers: auth });
  return auth;
}

test("failures appear after the receiver answers 500, filter, and show details with secrets masked", async ({ page }) => {
  const auth = await freshStart(page, "Failures suite");
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
  await expect(page).toHaveURL(new RegExp(`event_type=${CREATED}`));

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

test("a burst of rejected events auto-disables the connection; re-enabled, its failures are redelivered one, selected and all", async ({ page }) => {
  const siem = await startReceiver("/strict");
  try {
    const auth = await freshStart(page, "Redelivery suite");
    siem.respondWith((req) =>
      (req.json as { event_type?: string })?.event_type === "EVENT_STREAM_CONNECTIONS_TESTED"
        ? { status: 200 }
        : { status: 400, body: '{"error":"schema mismatch"}' },
    );
    const created = await page.request.post("/api/v1/connections", { headers: auth, data: { name: "Strict SIEM", url: siem.url, auth: { type: "HMAC" } } });
    expect(created.status()).toBe(201);
    const { id, hmac_secret: secret } = await created.json();
    const published = await page.request.post("/api/v1/events", {
      headers: auth,
      data: Array.from({ length: 12 }, (_, i) => ({ event_type: "ACCESS_GRANTED", data: { grant: i } })),
    });
    expect(published.status()).toBe(202);

    // More than 90% of at least 10 deliveries failed within the (1-minute, for this suite) window.
    await expect
      .poll(async () => (await (await page.request.get(`/api/v1/connections/${id}`, { headers: auth })).json()).disabled_reason, { timeout: 20_000 })
      .toBe("AUTO");
    await page.goto(`/settings/event-streaming/${id}`);
    const banner = page.getByRole("alert").filter({ hasText: "Auto-disabled because of an abnormally high failure rate" });
    await expect(banner).toContainText(/\d+% of \d+ deliveries failed in the last 1 minute /);
    await expect(page.getByText(/^Auto-disabled since/)).toBeVisible();
    await expect(page.getByRole("switch", { name: "Connection enabled: Strict SIEM" })).toHaveAttribute("aria-checked", "false");
    await page.screenshot({ path: "test-results/screens/auto-disabled.png", fullPage: true });

    // Every admin is told once.
    const outbox = path.resolve(E2E.dataDir, "outbox");
    const mails = () =>
      fs.existsSync(outbox) ? fs.readdirSync(outbox).filter((f) => fs.readFileSync(path.join(outbox, f), "utf8").includes("'Strict SIEM' was disabled")) : [];
    await expect.poll(() => mails().length, { timeout: 15_000 }).toBe(1);

    // Fixed destination, switched back on.
    siem.respondWith({ status: 200 });
    const fixedAt = siem.requests.length;
    await page.getByRole("switch", { name: "Connection enabled: Strict SIEM" }).click();
    await expect(page.getByRole("switch", { name: "Connection enabled: Strict SIEM" })).toHaveAttribute("aria-checked", "true");
    await expect(banner).toHaveCount(0);

    const rejected = async () => {
      const body = await (await page.request.get(`/api/v1/failures?connection_id=${id}&limit=200`, { headers: auth })).json();
      return (body.data as { event_id: string; outcome: string }[]).filter((f) => f.outcome === "REJECTED");
    };
    const toResend = new Set((await rejected()).map((f) => f.event_id));
    expect(toResend.size).toBeGreaterThanOrEqual(9);

    await page.getByRole("link", { name: "Failed deliveries of this connection" }).click();
    await expect(page.getByTestId("failure-row").first()).toContainText("Rejected");
    const panel = page.getByRole("region", { name: "Redeliveries" });

    // One, from its details.
    await page.getByTestId("failure-row").first().getByRole("button", { name: "Details" }).click();
    await page.getByRole("button", { name: "Redeliver this event" }).click();
    await expect(page.getByText("Redelivery started: 1 event to send.")).toBeVisible();
    await expect(panel.getByTestId("redelivery").first()).toContainText("Completed", { timeout: 15_000 });
    await expect(panel.getByTestId("redelivery").first()).toContainText("1 of 1 delivered");
    await expect(page.getByTestId("failure-row").first()).toContainText("Redelivered", { timeout: 20_000 });

    // Two, selected.
    const rows = page.getByTestId("failure-row").filter({ hasText: "Rejected" });
    await rows.nth(0).getByRole("checkbox").check();
    await rows.nth(1).getByRole("checkbox").check();
    await expect(page.getByText("2 selected")).toBeVisible();
    await page.getByRole("button", { name: "Redeliver selected" }).click();
    await expect(panel.getByTestId("redelivery").first()).toContainText("2 of 2 delivered", { timeout: 15_000 });

    // The rest, by filter, after a confirmation.
    await page.getByRole("button", { name: "Redeliver all matching…" }).click();
    const dialog = page.getByRole("dialog");
    await expect(dialog).toContainText("Strict SIEM");
    await page.screenshot({ path: "test-results/screens/redeliver-confirm.png" });
    await dialog.getByRole("button", { name: "Redeliver" }).click();
    await expect(panel.getByTestId("redelivery").first()).toContainText(`${toResend.size - 3} of ${toResend.size - 3} delivered`, { timeout: 20_000 });
    await expect.poll(async () => (await rejected()).length, { timeout: 20_000 }).toBe(0);
    await expect(page.getByTestId("failure-row").filter({ hasText: "Rejected" })).toHaveCount(0, { timeout: 20_000 });
    await page.screenshot({ path: "test-results/screens/redelivered.png", fullPage: true });

    // Each rejected event reached the fixed destination exactly once more, signed the seed's way.
    const resent = siem.requests.slice(fixedAt).filter((r) => toResend.has((r.json as { id: string }).id));
    expect(resent.map((r) => (r.json as { id: string }).id).sort()).toEqual([...toResend].sort());
    for (const r of resent) expect(siem.verifies(r, secret)).toBe(true);

    // Through the REST API: an explicit id may be sent again even though it was redelivered.
    const anyFailure = (await (await page.request.get(`/api/v1/failures?connection_id=${id}&limit=1`, { headers: auth })).json()).data[0];
    const accepted = await page.request.post("/api/v1/failures/redeliver", { headers: auth, data: { ids: [anyFailure.id] } });
    expect(accepted.status()).toBe(202);
    expect(await accepted.json()).toMatchObject({ status: "QUEUED", total: 1, pending: 1 });
    const location = accepted.headers()["location"]!;
    await expect
      .poll(async () => (await (await page.request.get(location, { headers: auth })).json()).status, { timeout: 15_000 })
      .toBe("COMPLETED");
    expect(await (await page.request.get(location, { headers: auth })).json()).toMatchObject({ succeeded: 1, failed: 0, problems: [] });

    // Nothing left to redeliver: the page says why.
    await page.getByRole("button", { name: "Redeliver all matching…" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Redeliver" }).click();
    await expect(page.getByRole("alert").filter({ hasText: "Nothing to redeliver" })).toBeVisible();

    // On a phone the page does not scroll sideways: the table scrolls in its own box.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.reload();
    await expect(page.getByRole("region", { name: "Redeliveries" })).toBeVisible();
    expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
    await page.screenshot({ path: "test-results/screens/failures-narrow.png", fullPage: true });
  } finally {
    await siem.close();
  }
});
