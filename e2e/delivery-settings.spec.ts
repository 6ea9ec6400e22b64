import { expect, type Page, test } from "./fixtures/test";
import { startReceiver, type Receiver } from "../test/helpers/receiver";
import { signIn } from "./fixtures/auth";
import { ageBacklog } from "./fixtures/db";

// How events are sent, as an admin sets it: each intake's preset explains its choices, the event
// filter offers the types the organization publishes, the form reads well at 1280 px and 390 px,
// and re-enabling a connection whose backlog is older than its destination takes asks first.

const LIST = "/settings/event-streaming";
let receiver: Receiver;
test.beforeAll(async () => {
  receiver = await startReceiver("/delivery");
});
test.afterAll(async () => receiver.close());

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

async function publish(page: Page, auth: Record<string, string>, events: { event_type: string; data?: unknown }[]): Promise<string[]> {
  const res = await page.request.post("/api/v1/events", { headers: auth, data: events });
  expect(res.status()).toBe(202);
  return (await res.json()).ids;
}

/** Nothing sticks out to the right: no sideways scroll, no field or button past the viewport. */
async function expectNoClipping(page: Page, what: string) {
  const overflow = await page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const cut = [...document.querySelectorAll("main input, main button, main label, main select, main p")]
      .filter((e) => (e as HTMLElement).offsetParent !== null && !e.closest(".sr-only"))
      .filter((e) => e.getBoundingClientRect().right > width + 0.5)
      .map((e) => (e.textContent ?? (e as HTMLInputElement).name ?? "").trim().slice(0, 40));
    return { page: document.documentElement.scrollWidth - window.innerWidth, cut };
  });
  expect(overflow, what).toEqual({ page: 0, cut: [] });
}

test("presets explain their delivery settings; the filter offers known types and sends only what it lets through", async ({ page }) => {
  test.setTimeout(90_000);
  const auth = await freshStart(page, "Delivery settings suite");
  // A type this organization publishes becomes one the filter offers.
  await publish(page, auth, [{ event_type: "VENDOR_SYNC_FINISHED" }]);

  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(`${LIST}/new`);
  await page.locator("label", { hasText: "Splunk HEC" }).first().click();
  await expect(page.getByTestId("preset-explains")).toContainText("Splunk");
  await expect(page.getByRole("radio", { name: /^Splunk HEC envelopes/ })).toBeChecked();
  await page.getByLabel("Splunk Cloud stack").fill("acme");
  await expect(page.getByRole("textbox", { name: "URL" })).toHaveValue("https://http-inputs-acme.splunkcloud.com/services/collector/event");
  await page.getByText("Splunk Enterprise (your own server)").click();
  await page.getByLabel("HEC host").fill("splunk.example.com");
  await expect(page.getByRole("textbox", { name: "URL" })).toHaveValue("https://splunk.example.com:8088/services/collector/event");
  await page.getByLabel("HEC token").fill("hec-token-1234");
  await expect(page.getByLabel("Key 1", { exact: true })).toHaveValue("Authorization");
  await expectNoClipping(page, "Splunk HEC preset at 1280 px");
  await page.screenshot({ path: "test-results/screens/delivery-splunk-1280.png", fullPage: true });

  await page.locator("label", { hasText: "Custom webhook" }).first().click();
  await page.getByLabel("Name", { exact: true }).fill("Filtered NDJSON");
  await page.getByRole("textbox", { name: "URL" }).fill(receiver.url);
  await page.getByRole("radio", { name: /^One event per line/ }).check();
  await expect(page.getByLabel("Events per request")).toBeVisible();
  await page.getByLabel("Longest wait (ms)").fill("100");
  await page.getByRole("radio", { name: /^gzip/ }).check();
  // The search offers the organization's own type and Tributary's.
  const include = page.getByRole("combobox", { name: "Send only these types" });
  const listId = await include.getAttribute("list");
  await expect(page.locator(`datalist[id="${listId}"] option[value="VENDOR_SYNC_FINISHED"]`)).toHaveCount(1);
  await expect(page.locator(`datalist[id="${listId}"] option[value="EVENT_STREAM_CONNECTIONS_CREATED"]`)).toHaveCount(1);
  await include.fill("vendor_*");
  await include.press("Enter");
  await include.fill("USER_LOGGED_IN");
  await page.getByRole("button", { name: "Add to send only these types" }).click();
  const exclude = page.getByRole("combobox", { name: "Never send these types" });
  await exclude.fill("VENDOR_SYNC_*X");
  await exclude.press("Enter");
  await expect(page.getByText("Use letters, digits and _, optionally ending in * for a prefix.")).toBeVisible();
  await exclude.fill("VENDOR_SYNC_FAILED");
  await exclude.press("Enter");
  await expect(page.getByRole("list", { name: "Send only these types" }).getByRole("listitem")).toHaveText([/VENDOR_\*/, /USER_LOGGED_IN/]);
  await expect(page.getByRole("list", { name: "Never send these types" }).getByRole("listitem")).toHaveText([/VENDOR_SYNC_FAILED/]);
  await expectNoClipping(page, "custom webhook with NDJSON, gzip and a filter at 1280 px");
  await page.screenshot({ path: "test-results/screens/delivery-settings-1280.png", fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await expectNoClipping(page, "custom webhook with NDJSON, gzip and a filter at 390 px");
  await page.screenshot({ path: "test-results/screens/delivery-settings-390.png", fullPage: true });

  const before = receiver.requests.length;
  await page.getByRole("button", { name: "Add Connection" }).click();
  await expect(page).toHaveURL(new RegExp(`${LIST}$`));
  // The test event passes any filter; it goes as NDJSON, uncompressed.
  const tested = receiver.requests[before]!;
  expect(tested.headers["content-type"]).toBe("application/x-ndjson");
  expect(tested.events.map((e) => e.event_type)).toEqual(["EVENT_STREAM_CONNECTIONS_TESTED"]);
  await expect(page.getByTestId("connection-card").filter({ hasText: "Filtered NDJSON" })).toContainText("NDJSON of ≤ 500 · gzip · filtered");

  // Only what the filter lets through arrives; the last event published shows the others had their turn.
  await publish(page, auth, [
    { event_type: "VENDOR_SYNC_FAILED" },
    { event_type: "USER_LOGGED_OUT" },
    { event_type: "USER_LOGGED_IN" },
    { event_type: "VENDOR_SYNC_FINISHED", data: { last: true } },
  ]);
  const streamed = () => receiver.requests.slice(before + 1).flatMap((r) => r.events);
  await expect.poll(() => streamed().some((e) => (e.data as { last?: boolean }).last), { timeout: 15_000 }).toBe(true);
  expect(streamed().map((e) => e.event_type)).toEqual(["USER_LOGGED_IN", "VENDOR_SYNC_FINISHED"]);
  expect(receiver.requests.slice(before + 1).every((r) => r.headers["content-encoding"] === "gzip" && r.headers["content-type"] === "application/x-ndjson")).toBe(true);
});

test("re-enabling a connection whose backlog is older than its destination takes asks first, then lists what it skipped", async ({ page }) => {
  test.setTimeout(90_000);
  const auth = await freshStart(page, "Catch-up suite");
  const created = await page.request.post("/api/v1/connections", {
    headers: auth,
    data: { name: "Catch-up", url: receiver.url, auth: { type: "NONE" }, format: "JSON_ARRAY", batch: { max_events: 100, max_bytes: 1_000_000, max_wait_ms: 100 }, max_event_age_seconds: 3600 },
  });
  expect(created.status()).toBe(201);
  const { id } = await created.json();
  expect((await page.request.post(`/api/v1/connections/${id}/disable`, { headers: auth })).status()).toBe(200);
  const old = await publish(page, auth, [{ event_type: "USER_LOGGED_IN", data: { old: 1 } }, { event_type: "USER_LOGGED_IN", data: { old: 2 } }]);
  // The paused connection's backlog (its own audit events, then these two) waited two hours.
  const waiting = await ageBacklog(id, 2 * 3600);
  expect(waiting).toBeGreaterThanOrEqual(2);
  const before = receiver.requests.length;

  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(`${LIST}/${id}`);
  await expect(page.getByText("Events older than this destination accepts are waiting")).toBeVisible();
  await expect(page.getByRole("main")).toContainText(`Re-enabling now skips ${waiting} events stored more than 1 h ago`);
  await page.getByRole("switch").click();
  const dialog = page.getByRole("dialog");
  await expect(dialog).toContainText("Skip old events?");
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await expect(page.getByRole("switch")).toHaveAttribute("aria-checked", "false");
  await page.getByRole("switch").click();
  await dialog.getByRole("button", { name: "Skip them and enable" }).click();
  await expect(page.getByRole("switch")).toHaveAttribute("aria-checked", "true");
  await expect(page.getByText("Skipped when last re-enabled")).toBeVisible();
  await expect(page.getByRole("main")).toContainText(`${waiting} events were skipped`);
  await page.screenshot({ path: "test-results/screens/delivery-catch-up-skipped.png", fullPage: true });

  // Listed as given up, and never sent; what came after is.
  const failures = await (await page.request.get(`/api/v1/failures?connection_id=${id}`, { headers: auth })).json();
  const listed = failures.data as { event_id: string; outcome: string; error: string }[];
  expect(listed).toHaveLength(waiting);
  expect(listed.every((f) => f.outcome === "GIVEN_UP" && f.error.includes("catch-up limit"))).toBe(true);
  expect(listed.map((f) => f.event_id)).toEqual(expect.arrayContaining(old));
  await publish(page, auth, [{ event_type: "USER_LOGGED_IN", data: { fresh: true } }]);
  const streamed = () => receiver.requests.slice(before).flatMap((r) => r.events);
  await expect.poll(() => streamed().some((e) => (e.data as { fresh?: boolean }).fresh), { timeout: 15_000 }).toBe(true);
  expect(streamed().filter((e) => old.includes(e.id as string))).toEqual([]);
  await page.request.delete(`/api/v1/connections/${id}`, { headers: auth });
});
