import { expect, type Page, test } from "./fixtures/test";
import { startReceiver, type Receiver } from "../test/helpers/receiver";
import { signIn } from "./fixtures/auth";
import { ADMIN } from "./fixtures/env";

// One story, in order: the organization's connections build up to the limit and back.
test.describe.configure({ mode: "serial" });

let receiver: Receiver;
let other: Receiver;

test.beforeAll(async () => {
  receiver = await startReceiver("/intake");
  other = await startReceiver("/other");
});
test.afterAll(async () => {
  await receiver.close();
  await other.close();
});

const LIST = "/settings/event-streaming";
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

async function openNew(page: Page, preset: string) {
  await page.goto(LIST);
  await page.getByRole("link", { name: "+ Event Streaming Connection" }).first().click();
  await expect(page.getByRole("heading", { name: "Add Event Streaming Connection" })).toBeVisible();
  await page.locator("label", { hasText: preset }).first().click();
}

test("an admin adds a custom webhook; the receiver gets the seed's test event from that admin", async ({ page }) => {
  await signIn(page);
  await page.goto(LIST);
  await expect(page.getByText("No event streaming connections yet")).toBeVisible();
  await openNew(page, "Custom webhook");
  await page.getByLabel("Name", { exact: true }).fill("Security lake");
  await page.getByRole("textbox", { name: "URL" }).fill(receiver.url);
  await page.screenshot({ path: "test-results/screens/connection-new.png", fullPage: true });
  const before = receiver.requests.length;
  await page.getByRole("button", { name: "Add Connection" }).click();
  await expect(page).toHaveURL(new RegExp(`${LIST}$`));

  const row = page.getByTestId("connection-row").filter({ hasText: "Security lake" });
  await expect(row).toContainText("127.0.0.1");
  await expect(row).toContainText("Enabled");
  await expect(row).toContainText("None");

  const [req] = receiver.requests.slice(before);
  expect(req!.method).toBe("POST");
  expect(req!.headers["content-type"]).toBe("application/json");
  const event = req!.json as Record<string, unknown>;
  expect(Object.keys(event)).toEqual(SEED_KEYS);
  expect(req!.rawBody).toBe(JSON.stringify(event));
  expect(event).toMatchObject({
    event_type: "EVENT_STREAM_CONNECTIONS_TESTED",
    severity: "INFO",
    actor_email: ADMIN.email,
    actor_name: ADMIN.name,
    actor_user_agent: await page.evaluate(() => navigator.userAgent),
    data: { connection_type: "WEBHOOK", message: "This is a test message to validate the event stream connection" },
  });
  expect(event.actor_ip_address).toMatch(/127\.0\.0\.1|::1/);
  await page.screenshot({ path: "test-results/screens/connections-list.png", fullPage: true });
});

test("a failing test blocks the save and shows what happened", async ({ page }) => {
  await signIn(page);
  other.respondWith({ status: 503, body: "intake is down for maintenance" });
  await openNew(page, "Custom webhook");
  await page.getByLabel("Name", { exact: true }).fill("Broken intake");
  await page.getByRole("textbox", { name: "URL" }).fill(other.url);
  await page.getByRole("button", { name: "Add Connection" }).click();
  await expect(page.getByText("Test event failed")).toBeVisible();
  const result = page.getByTestId("test-result");
  await expect(result).toContainText("503");
  await expect(result).toContainText("intake is down for maintenance");
  await expect(page.getByRole("textbox", { name: "URL" })).toHaveValue(other.url);
  await expect(page.getByLabel("Name", { exact: true })).toHaveValue("Broken intake");
  await page.screenshot({ path: "test-results/screens/connection-test-failed.png", fullPage: true });

  await page.getByRole("textbox", { name: "URL" }).fill("http://10.1.2.3/intake");
  await page.getByRole("button", { name: "Add Connection" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "private address" })).toBeVisible();

  await page.goto(LIST);
  await expect(page.getByTestId("connection-row")).toHaveCount(1);
  other.respondWith({ status: 200 });
});

test("RunReveal with HMAC: the secret is shown once and rotation sends two verifiable signatures", async ({ page }) => {
  await signIn(page);
  await openNew(page, "RunReveal");
  await expect(page.getByRole("radio", { name: /^HMAC/ })).toBeChecked();
  await page.getByRole("textbox", { name: "URL" }).fill(receiver.url);
  const before = receiver.requests.length;
  await page.getByRole("button", { name: "Add Connection" }).click();
  const first = (await page.getByTestId("hmac-secret").textContent())!.trim();
  expect(first.length).toBeGreaterThanOrEqual(43);
  await expect(page.getByText("it will not be shown again")).toBeVisible();
  await page.screenshot({ path: "test-results/screens/hmac-secret-once.png", fullPage: true });
  const test1 = receiver.requests[before]!;
  expect(receiver.verifies(test1, first)).toBe(true);
  expect(String(test1.headers["x-opal-request-timestamp"])).toMatch(/^\d{10}$/);

  await page.getByRole("button", { name: "I have saved the secret" }).click();
  await expect(page).toHaveURL(new RegExp(`${LIST}$`));
  expect(await page.content()).not.toContain(first);

  await page.getByRole("link", { name: "RunReveal" }).click();
  expect(await page.content()).not.toContain(first);
  await expect(page.getByRole("list", { name: "HMAC secrets" }).getByRole("listitem")).toHaveCount(1);
  await expect(page.getByRole("button", { name: "Retire" })).toBeDisabled();

  await page.getByRole("button", { name: "Add secret" }).click();
  const second = (await page.getByTestId("hmac-secret").textContent())!.trim();
  expect(second).not.toBe(first);
  await page.getByRole("button", { name: "I have saved the secret" }).click();
  await expect(page.getByRole("list", { name: "HMAC secrets" }).getByRole("listitem")).toHaveCount(2);
  await expect(page.getByRole("button", { name: "Add secret" })).toBeDisabled();

  const beforeTest = receiver.requests.length;
  await page.getByRole("button", { name: "Send test event" }).click();
  await expect(page.getByText("Test event delivered")).toBeVisible();
  const rotated = receiver.requests[beforeTest]!;
  expect(String(rotated.headers["x-opal-signature"]).split(", ")).toHaveLength(2);
  expect(receiver.verifies(rotated, first)).toBe(true);
  expect(receiver.verifies(rotated, second)).toBe(true);

  await page.getByRole("button", { name: "Retire" }).first().click();
  await expect(page.getByRole("dialog")).toContainText("Retire this secret?");
  await page.getByRole("button", { name: "Retire secret" }).click();
  await expect(page.getByRole("list", { name: "HMAC secrets" }).getByRole("listitem")).toHaveCount(1);

  const beforeRetired = receiver.requests.length;
  await page.getByRole("button", { name: "Send test event" }).click();
  await expect(page.getByText("Test event delivered")).toBeVisible();
  const after = receiver.requests[beforeRetired]!;
  expect(receiver.verifies(after, second)).toBe(true);
  expect(receiver.verifies(after, first)).toBe(false);
  await page.screenshot({ path: "test-results/screens/connection-detail.png", fullPage: true });
});

test("the Datadog preset batches gzipped JSON arrays with DD-API-KEY as a header and ddtags as a query parameter", async ({ page }) => {
  await signIn(page);
  await openNew(page, "Datadog");
  await expect(page.getByRole("textbox", { name: "URL" })).toHaveValue("https://http-intake.logs.datadoghq.com/api/v2/logs");
  await page.getByLabel("Datadog site").selectOption("EU1");
  await expect(page.getByRole("textbox", { name: "URL" })).toHaveValue("https://http-intake.logs.datadoghq.eu/api/v2/logs");
  await expect(page.getByLabel("Key 1", { exact: true })).toHaveValue("DD-API-KEY");
  await expect(page.getByLabel("Key 2", { exact: true })).toHaveValue("ddtags");
  await expect(page.getByLabel("Key 3", { exact: true })).toHaveValue("ddsource");
  // The preset's choices, each explained: JSON arrays of up to 1,000 and 5 MB, gzip, an 18-hour catch-up limit.
  await expect(page.getByTestId("preset-explains")).toContainText("JSON array of up to 1,000 logs and 5 MB");
  await expect(page.getByRole("radio", { name: /^JSON array/ })).toBeChecked();
  await expect(page.getByLabel("Events per request")).toHaveValue("1000");
  await expect(page.getByLabel("Request size limit (bytes)")).toHaveValue("5000000");
  await expect(page.getByRole("radio", { name: /^gzip/ })).toBeChecked();
  await expect(page.getByRole("checkbox", { name: "Skip events older than" })).toBeChecked();
  await expect(page.getByLabel("Catch-up limit in hours")).toHaveValue("18");
  await page.screenshot({ path: "test-results/screens/connection-new-datadog.png", fullPage: true });

  await page.getByRole("button", { name: "Add Connection" }).click();
  await expect(page.getByText("Enter a value.")).toBeVisible();

  // The loopback receiver stands in for Datadog's intake.
  await page.getByRole("textbox", { name: "URL" }).fill(receiver.url);
  await page.getByLabel("Value 1", { exact: true }).fill("dd-key-0123456789abcdef");
  await page.getByLabel("Value 2", { exact: true }).fill("env:prod,team:sec");
  const before = receiver.requests.length;
  await page.getByRole("button", { name: "Add Connection" }).click();
  await expect(page).toHaveURL(new RegExp(`${LIST}$`));
  // The test event: a JSON array of one, uncompressed.
  const test = receiver.requests[before]!;
  expect(test.headers["dd-api-key"]).toBe("dd-key-0123456789abcdef");
  expect(test.query.get("ddtags")).toBe("env:prod,team:sec");
  expect(test.query.get("ddsource")).toBe("tributary");
  expect(test.headers["content-encoding"]).toBeUndefined();
  expect(Array.isArray(test.json)).toBe(true);
  expect(test.events.map((e) => e.event_type)).toEqual(["EVENT_STREAM_CONNECTIONS_TESTED"]);
  expect(await page.content()).not.toContain("dd-key-0123456789abcdef");
  await expect(page.getByTestId("connection-row").filter({ hasText: "Datadog" })).toContainText("JSON array of ≤ 1,000 · gzip");

  // Streamed events arrive gzipped, as a JSON array: the connection's own CREATED audit event first.
  await expect
    .poll(() => receiver.requests.slice(before + 1).find((r) => r.headers["dd-api-key"] === "dd-key-0123456789abcdef" && r.headers["content-encoding"] === "gzip"), {
      timeout: 15_000,
    })
    .toBeTruthy();
  const batch = receiver.requests.slice(before + 1).find((r) => r.headers["dd-api-key"] === "dd-key-0123456789abcdef" && r.headers["content-encoding"] === "gzip")!;
  expect(batch.headers["content-type"]).toBe("application/json");
  expect(batch.wireBytes).toBeLessThan(Buffer.byteLength(batch.rawBody));
  expect(Array.isArray(batch.json)).toBe(true);
  expect(batch.events.map((e) => e.event_type)).toContain("EVENT_STREAM_CONNECTIONS_CREATED");
  expect(Object.keys(batch.events[0]!)).toEqual(SEED_KEYS);
});

test("at the limit the add button is disabled with an explanation", async ({ page }) => {
  await signIn(page);
  await page.goto(LIST);
  await expect(page.getByTestId("connection-row")).toHaveCount(3);
  await expect(page.getByRole("button", { name: "+ Event Streaming Connection" })).toBeDisabled();
  await expect(page.getByText("You have 3 of 3 connections. Delete one to add another.")).toBeVisible();
  await page.goto(`${LIST}/new`);
  await expect(page.getByText("Connection limit reached")).toBeVisible();
});

test("editing the URL re-tests: a failing destination keeps the old settings, a working one saves", async ({ page }) => {
  await signIn(page);
  await page.goto(LIST);
  await page.getByRole("link", { name: "Security lake" }).click();
  other.respondWith({ status: 500, body: "nope" });
  await page.getByRole("textbox", { name: "URL" }).fill(other.url);
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page.getByTestId("test-result")).toContainText("500");
  await page.goto(LIST);
  await expect(page.getByTestId("connection-row").filter({ hasText: "Security lake" })).toBeVisible();

  other.respondWith({ status: 202 });
  await page.getByRole("link", { name: "Security lake" }).click();
  await page.getByLabel("Name", { exact: true }).fill("Security lake (v2)");
  await page.getByRole("textbox", { name: "URL" }).fill(other.url);
  const before = other.requests.length;
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page).toHaveURL(new RegExp(`${LIST}$`));
  await expect(page.getByRole("link", { name: "Security lake (v2)" })).toBeVisible();
  expect((other.requests[before]!.json as { event_type: string }).event_type).toBe("EVENT_STREAM_CONNECTIONS_TESTED");
});

test("the enabled toggle disables and re-enables a connection", async ({ page }) => {
  await signIn(page);
  await page.goto(LIST);
  const row = page.getByTestId("connection-row").filter({ hasText: "Security lake (v2)" });
  const toggle = row.getByRole("switch");
  await expect(toggle).toHaveAttribute("aria-checked", "true");
  await toggle.click();
  await expect(row).toContainText("Disabled since");
  await expect(toggle).toHaveAttribute("aria-checked", "false");
  await page.screenshot({ path: "test-results/screens/connection-disabled.png", fullPage: true });
  await toggle.press("Space");
  await expect(row).toContainText("Enabled");
  await expect(toggle).toHaveAttribute("aria-checked", "true");
});

test("delete asks for confirmation; then a Sumo Logic connection sends Basic authorization", async ({ page }) => {
  await signIn(page);
  await page.goto(LIST);
  await page.getByRole("link", { name: "Datadog" }).click();
  await page.getByRole("button", { name: "Delete connection" }).click();
  await expect(page.getByRole("dialog")).toContainText("cannot be undone");
  await page.getByRole("button", { name: "Cancel" }).click();
  await expect(page.getByRole("dialog")).toBeHidden();
  await page.getByRole("button", { name: "Delete connection" }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Delete connection" }).click();
  await expect(page).toHaveURL(new RegExp(`${LIST}$`));
  await expect(page.getByTestId("connection-row")).toHaveCount(2);

  await openNew(page, "Sumo Logic");
  await page.getByRole("textbox", { name: "URL" }).fill(receiver.url);
  await page.getByLabel("Access ID", { exact: true }).fill("suABC123");
  await page.getByLabel("Access key", { exact: true }).fill("s3cr3tK3y");
  const before = receiver.requests.length;
  await page.getByRole("button", { name: "Add Connection" }).click();
  await expect(page).toHaveURL(new RegExp(`${LIST}$`));
  expect(receiver.requests[before]!.headers.authorization).toBe(`Basic ${Buffer.from("suABC123:s3cr3tK3y").toString("base64")}`);
  await expect(page.getByTestId("connection-row")).toHaveCount(3);
});

test("the connection pages read well at a narrow width", async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await signIn(page);
  for (const [path, shot] of [
    [LIST, "connections-narrow"],
    [`${LIST}/new`, "connection-new-narrow"],
  ] as const) {
    await page.goto(path);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow, `${path} scrolls sideways`).toBeLessThanOrEqual(0);
    await page.screenshot({ path: `test-results/screens/${shot}.png`, fullPage: true });
  }
});
