import { expect, test } from "./fixtures/test";
import { signIn } from "./fixtures/auth";
import { ADMIN } from "./fixtures/env";

test("a signed-out visitor is redirected to the login page", async ({ page }) => {
  for (const path of ["/", "/settings/event-streaming", "/settings/api-tokens"]) {
    await page.goto(path);
    await expect(page).toHaveURL(/\/login$/);
  }
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
});

test("login explains bad input and wrong credentials, then signs in and reaches Settings > Event Streaming", async ({ page }) => {
  await page.goto("/login");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByText("Enter an email address.")).toBeVisible();
  await expect(page.getByText("Enter your password.")).toBeVisible();

  await page.getByLabel("Email").fill(ADMIN.email);
  await page.getByLabel("Password").fill("wrong password entirely");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "The email or password is incorrect." })).toBeVisible();
  await expect(page).toHaveURL(/\/login$/);
  await page.screenshot({ path: "test-results/screens/login-error.png", fullPage: true });

  await page.getByLabel("Password").fill(ADMIN.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/settings\/event-streaming$/);

  await page.getByRole("link", { name: "API tokens" }).click();
  await expect(page.getByRole("heading", { name: "API tokens", level: 1 })).toBeVisible();
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Event Streaming" }).click();
  await expect(page.getByRole("heading", { name: "Event Streaming", level: 1 })).toBeVisible();
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Event Streaming" })).toHaveAttribute("aria-current", "page");
});

test("sign-out ends the session", async ({ page }) => {
  await signIn(page);
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login$/);
  await page.goto("/settings/event-streaming");
  await expect(page).toHaveURL(/\/login$/);
});

test("the REST API needs a token; an admin creates one that is shown once and works", async ({ page, request }) => {
  const anonymous = await request.get("/api/v1/me");
  expect(anonymous.status()).toBe(401);
  expect((await anonymous.json()).error.code).toBe("UNAUTHENTICATED");
  expect((await request.get("/api/v1/me", { headers: { Authorization: "Bearer nope" } })).status()).toBe(401);

  await signIn(page);
  await page.goto("/settings/api-tokens");
  await expect(page.getByText("No API tokens yet.")).toBeVisible();
  await page.getByRole("button", { name: "Create token" }).click();
  await expect(page.getByText("Give the token a name")).toBeVisible();
  await page.getByLabel("Token name").fill("SIEM publisher");
  await page.getByRole("button", { name: "Create token" }).click();
  const token = (await page.getByTestId("new-api-token").textContent())!.trim();
  expect(token).toMatch(/^trb_/);
  await page.screenshot({ path: "test-results/screens/api-token-created.png", fullPage: true });

  const me = await request.get("/api/v1/me", { headers: { Authorization: `Bearer ${token}` } });
  expect(me.status()).toBe(200);
  expect((await me.json()).user.email).toBe(ADMIN.email);

  await page.reload();
  await expect(page.getByRole("cell", { name: "SIEM publisher", exact: true })).toBeVisible();
  expect(await page.content()).not.toContain(token);

  await page.getByRole("button", { name: "Revoke" }).click();
  await expect(page.getByRole("dialog")).toContainText("cannot be undone");
  await page.getByRole("button", { name: "Revoke token" }).click();
  await expect(page.getByText("No API tokens yet.")).toBeVisible();
  expect((await request.get("/api/v1/me", { headers: { Authorization: `Bearer ${token}` } })).status()).toBe(401);
});

test("pages read well at a narrow width", async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await signIn(page);
  await page.goto("/settings/event-streaming");
  await expect(page.getByRole("heading", { name: "Event Streaming", level: 1 })).toBeVisible();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  await page.screenshot({ path: "test-results/screens/event-streaming-narrow.png", fullPage: true });
});
