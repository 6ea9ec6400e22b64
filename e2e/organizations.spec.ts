import fs from "node:fs";
import path from "node:path";
import { startReceiver, type Receiver } from "../test/helpers/receiver";
import { signIn } from "./fixtures/auth";
import { E2E } from "./fixtures/env";
import { ensureOrganization, operatorAuth, portalLink } from "./fixtures/operator";
import type { Browser } from "@playwright/test";
import { expect, type Page, test } from "./fixtures/test";

// The host product's view: organizations made through the operator API, people sent into the
// settings pages with portal sign-in links, members who may look but not change, admins who manage
// people, and tokens that may only publish.
test.describe.configure({ mode: "serial" });

const GLOBEX = { name: "Globex Corporation", externalId: "globex-e2e" };
const HANK = { email: "hank@globex.test", name: "Hank Scorpio", role: "ADMIN" as const };
const MARGE = { email: "marge@globex.test", name: "Marge Member", role: "MEMBER" as const };

let receiver: Receiver;
test.beforeAll(async () => {
  receiver = await startReceiver("/globex");
});
test.afterAll(async () => receiver.close());

/** Opens a portal link in a fresh browser context, as the host product's customer would, and continues. */
async function throughPortal(browser: Browser, url: string): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(url);
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page).toHaveURL(/\/settings\/event-streaming$/);
  return page;
}

const noSideScroll = async (page: Page) => expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);

test("an operator-minted portal link signs an admin in and lands on Event Streaming; a second use is refused", async ({ browser, request }) => {
  await ensureOrganization(request, GLOBEX.name, GLOBEX.externalId);
  const url = await portalLink(request, GLOBEX.externalId, HANK);
  expect(url).toMatch(new RegExp(`^${E2E.baseUrl}/portal/`));

  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(url);
  // Opening it does not use it up (mail scanners open links too): one click does.
  await expect(page.getByRole("heading", { name: `Continue to ${GLOBEX.name}` })).toBeVisible();
  await expect(page.getByText(HANK.email)).toBeVisible();
  await page.screenshot({ path: "test-results/screens/portal-continue.png", fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: "test-results/screens/portal-continue-narrow.png", fullPage: true });
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/\/settings\/event-streaming$/);
  await expect(page.getByRole("heading", { name: "Event Streaming", level: 1 })).toBeVisible();
  await expect(page.getByTestId("signed-in-user")).toContainText(HANK.email);
  await expect(page.getByTestId("signed-in-user")).toContainText("Admin");
  await expect(page.getByRole("banner")).toContainText(GLOBEX.name);
  await page.screenshot({ path: "test-results/screens/portal-landed.png", fullPage: true });

  const again = await (await browser.newContext()).newPage();
  await again.goto(url);
  await expect(again).toHaveURL(/\/login\?portal=used$/);
  await expect(again.getByText("This sign-in link was already used")).toBeVisible();
  await expect(again.getByLabel("Email")).toBeVisible();
  await again.screenshot({ path: "test-results/screens/portal-used.png", fullPage: true });
  // A link that never existed says so too.
  await again.goto("/portal/not-a-real-link-0123456789abcdef");
  await expect(again.getByText("This sign-in link is not valid")).toBeVisible();
  // Closed here, or its page would stay open beside the suites that follow.
  await again.context().close();

  // The person exists now, as an active admin of Globex only.
  const members = await request.get(`/api/v1/organizations/${GLOBEX.externalId}/members`, { headers: operatorAuth() });
  expect((await members.json()).data).toEqual([expect.objectContaining({ email: HANK.email, name: HANK.name, role: "ADMIN", status: "ACTIVE" })]);
  await context.close();
});

test("a member sees Event Streaming read-only — no change controls — and a forced server-action call is refused", async ({ browser, request }) => {
  const listed = await request.get("/api/v1/connections", { headers: operatorAuth(GLOBEX.externalId) });
  let [connection] = (await listed.json()).data as { id: string; name: string; enabled: boolean }[];
  if (!connection) {
    const created = await request.post("/api/v1/connections", {
      headers: operatorAuth(GLOBEX.externalId),
      data: { name: "Globex SIEM", url: receiver.url, auth: { type: "HMAC" } },
    });
    expect(created.status()).toBe(201);
    connection = await created.json();
  }
  const page = await throughPortal(browser, await portalLink(request, GLOBEX.externalId, MARGE));
  await expect(page.getByTestId("signed-in-user")).toContainText("Member");
  await expect(page.getByText("Read-only access")).toBeVisible();
  await expect(page.getByRole("link", { name: connection!.name })).toBeVisible();
  await expect(page.getByRole("link", { name: "+ Event Streaming Connection" })).toHaveCount(0);
  await expect(page.getByRole("switch")).toHaveCount(0);
  const nav = page.getByRole("navigation", { name: "Main" });
  await expect(nav.getByRole("link", { name: "Event Streaming" })).toBeVisible();
  await expect(nav.getByRole("link", { name: "API tokens" })).toHaveCount(0);
  await expect(nav.getByRole("link", { name: "Members" })).toHaveCount(0);
  await page.screenshot({ path: "test-results/screens/member-event-streaming.png", fullPage: true });

  await page.getByRole("link", { name: connection!.name }).click();
  await expect(page.getByRole("heading", { name: connection!.name, level: 1 })).toBeVisible();
  await expect(page.getByText(receiver.url).first()).toBeVisible();
  for (const control of ["Send test event", "Save changes", "Add secret", "Retire", "Delete connection"]) {
    await expect(page.getByRole("button", { name: control })).toHaveCount(0);
  }
  await expect(page.getByRole("switch")).toHaveCount(0);
  await expect(page.getByRole("textbox")).toHaveCount(0);
  await page.screenshot({ path: "test-results/screens/member-connection.png", fullPage: true });

  await page.getByRole("link", { name: "Failed deliveries of this connection" }).click();
  await expect(page.getByRole("heading", { name: "Failed deliveries", level: 1 })).toBeVisible();
  await expect(page.getByRole("button", { name: /Redeliver/ })).toHaveCount(0);
  await expect(page.getByRole("checkbox")).toHaveCount(0);

  for (const url of ["/settings/api-tokens", "/settings/members", "/settings/event-streaming/new"]) {
    await page.goto(url);
    await expect(page.getByText("Admins only")).toBeVisible();
  }

  // The switch is not there, but its server action is: called by hand with the member's session, it refuses.
  const manifest = JSON.parse(fs.readFileSync(path.join(".next", "server", "server-reference-manifest.json"), "utf8")) as {
    node: Record<string, { filename: string; exportedName: string }>;
  };
  const [actionId] = Object.entries(manifest.node).find(([, a]) => a.exportedName === "setEnabledAction" && a.filename.includes("event-streaming/actions"))!;
  const forced = await page.request.post("/settings/event-streaming", {
    headers: { "Next-Action": actionId, "Content-Type": "text/plain;charset=UTF-8", Accept: "text/x-component", Origin: E2E.baseUrl },
    data: JSON.stringify([connection!.id, !connection!.enabled]),
  });
  expect(await forced.text()).toContain("Only admins can change settings");
  const after = await request.get(`/api/v1/connections/${connection!.id}`, { headers: operatorAuth(GLOBEX.externalId) });
  expect((await after.json()).enabled).toBe(connection!.enabled);

  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto("/settings/event-streaming");
  await expect(page.getByTestId("connection-card")).toHaveCount(1);
  await noSideScroll(page);
  await page.screenshot({ path: "test-results/screens/member-event-streaming-narrow.png", fullPage: true });
  await page.context().close();
});

test("an admin manages members: invite with inline errors, resend, change a role, revoke and remove after confirming; the last admin is protected", async ({ browser, request }) => {
  const page = await throughPortal(browser, await portalLink(request, GLOBEX.externalId, HANK));
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Members" }).click();
  await expect(page.getByRole("heading", { name: "Members", level: 1 })).toBeVisible();
  const rows = page.getByTestId("member-row");
  await expect(rows.filter({ hasText: HANK.email })).toContainText("You are the only admin");
  await expect(rows.filter({ hasText: MARGE.email })).toContainText("Active");

  const invite = page.getByRole("form", { name: "Invite a person" });
  await invite.getByRole("button", { name: "Send invitation" }).click();
  await expect(invite.getByText("Enter an email address.")).toBeVisible();
  await invite.getByLabel("Email", { exact: true }).fill("not-an-email");
  await invite.getByRole("button", { name: "Send invitation" }).click();
  await expect(invite.getByText("Enter a valid email address, like name@example.com.")).toBeVisible();
  await invite.getByLabel("Email", { exact: true }).fill(MARGE.email);
  await invite.getByRole("button", { name: "Send invitation" }).click();
  await expect(invite.getByText(`${MARGE.email} is already a member of this organization.`)).toBeVisible();
  await expect(invite.getByLabel("Email", { exact: true })).toHaveAttribute("aria-invalid", "true");
  // An email belongs to one organization.
  await invite.getByLabel("Email", { exact: true }).fill("ada@acme.test");
  await invite.getByRole("button", { name: "Send invitation" }).click();
  await expect(invite.getByText(/already has a Tributary account in another organization/)).toBeVisible();
  await page.screenshot({ path: "test-results/screens/members-invite-errors.png", fullPage: true });

  await invite.getByLabel("Email", { exact: true }).fill("lisa@globex.test");
  await invite.getByLabel("Name (optional)").fill("Lisa Invitee");
  await invite.getByText("Admin", { exact: true }).click();
  await invite.getByRole("button", { name: "Send invitation" }).click();
  await expect(page.getByText("Invitation sent to lisa@globex.test.")).toBeVisible();
  const lisa = rows.filter({ hasText: "lisa@globex.test" });
  await expect(lisa).toContainText("Invited");
  await expect(lisa.getByRole("combobox")).toHaveValue("ADMIN");
  await lisa.getByRole("button", { name: "Resend invitation" }).click();
  await expect(page.getByText("A new invitation was sent to lisa@globex.test")).toBeVisible();
  await page.screenshot({ path: "test-results/screens/members.png", fullPage: true });
  // The same people on a phone: cards, nothing wider than the screen.
  await page.setViewportSize({ width: 390, height: 844 });
  await expect(page.getByTestId("member-card")).toHaveCount(3);
  await noSideScroll(page);
  await page.screenshot({ path: "test-results/screens/members-several-narrow.png", fullPage: true });
  await page.setViewportSize({ width: 1280, height: 800 });

  // Marge becomes an admin, after confirming.
  const marge = rows.filter({ hasText: MARGE.email });
  await marge.getByRole("combobox", { name: `Role of ${MARGE.name}` }).selectOption("ADMIN");
  const dialog = page.getByRole("dialog");
  await expect(dialog).toContainText(`Make ${MARGE.name} an admin?`);
  await dialog.getByRole("button", { name: "Change role" }).click();
  await expect(marge.getByRole("combobox")).toHaveValue("ADMIN");
  await expect(rows.filter({ hasText: HANK.email })).toContainText("Another admin can change your role");

  // Cancel leaves things as they were; Escape too.
  await lisa.getByRole("button", { name: "Revoke the invitation of Lisa Invitee" }).click();
  await expect(dialog).toContainText("Revoke the invitation of lisa@globex.test?");
  await page.keyboard.press("Escape");
  await expect(dialog).toBeHidden();
  await expect(lisa).toHaveCount(1);
  await lisa.getByRole("button", { name: "Revoke the invitation of Lisa Invitee" }).click();
  await dialog.getByRole("button", { name: "Revoke invitation" }).click();
  await expect(lisa).toHaveCount(0);

  await marge.getByRole("button", { name: `Remove ${MARGE.name}` }).click();
  await expect(dialog).toContainText("They are signed out at once");
  await dialog.getByRole("button", { name: "Remove" }).click();
  await expect(marge).toHaveCount(0);
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText("You are the only admin");

  // The operator API keeps the same rule: the last admin cannot go.
  const members = (await (await request.get(`/api/v1/organizations/${GLOBEX.externalId}/members`, { headers: operatorAuth() })).json()).data;
  const last = await request.delete(`/api/v1/organizations/${GLOBEX.externalId}/members/${members[0].id}`, { headers: operatorAuth() });
  expect(last.status()).toBe(409);
  expect((await last.json()).error.code).toBe("LAST_ADMIN");

  await page.setViewportSize({ width: 390, height: 844 });
  await page.reload();
  await expect(page.getByTestId("member-card")).toHaveCount(1);
  await noSideScroll(page);
  await page.screenshot({ path: "test-results/screens/members-narrow.png", fullPage: true });
  await page.context().close();
});

test("Settings › API tokens makes a Publish-only token, shows its scope, and that token can only publish", async ({ page, request }) => {
  await signIn(page);
  await page.goto("/settings/api-tokens");
  await page.getByLabel("Token name").fill("Backend publisher");
  await page.getByRole("radio", { name: /^Publish only/ }).check();
  await page.getByRole("button", { name: "Create token" }).click();
  const token = (await page.getByTestId("new-api-token").textContent())!.trim();
  await expect(page.getByText("It can only publish events.")).toBeVisible();
  await expect(page.getByTestId("api-token-row").filter({ hasText: "Backend publisher" })).toContainText("Publish only");
  await page.screenshot({ path: "test-results/screens/api-tokens-scopes.png", fullPage: true });

  const headers = { Authorization: `Bearer ${token}` };
  expect((await request.post("/api/v1/events", { headers, data: { event_type: "PUBLISHED_WITH_A_PUBLISH_TOKEN" } })).status()).toBe(202);
  for (const [method, url] of [["GET", "/api/v1/connections"], ["GET", "/api/v1/me"], ["GET", "/api/v1/tokens"], ["GET", "/api/v1/failures"]] as const) {
    const res = await request.fetch(url, { method, headers });
    expect(res.status(), url).toBe(403);
    expect((await res.json()).error.code).toBe("FORBIDDEN");
  }

  await page.setViewportSize({ width: 390, height: 844 });
  await page.reload();
  await expect(page.getByTestId("api-token-card").filter({ hasText: "Backend publisher" })).toContainText("Publish only");
  await noSideScroll(page);
  await page.screenshot({ path: "test-results/screens/api-tokens-narrow.png", fullPage: true });
});
