import { expect, test } from "./fixtures/test";
import { ADMIN, E2E } from "./fixtures/env";

test("a new installation sends visitors to first-run set-up, which asks for the setup token, validates and creates the first admin", async ({ page }) => {
  // Protected page → login → set-up, since nobody can sign in yet.
  await page.goto("/settings/event-streaming");
  await expect(page).toHaveURL(/\/setup$/);
  await expect(page.getByRole("heading", { name: "Welcome to Tributary" })).toBeVisible();

  await page.getByRole("button", { name: "Create admin account" }).click();
  await expect(page.getByText("Enter the setup token printed in Tributary's start log.")).toBeVisible();
  await expect(page.getByText("Enter your organization's name.")).toBeVisible();
  await expect(page.getByText("Enter an email address.")).toBeVisible();

  await page.getByLabel("Organization name").fill(ADMIN.organizationName);
  await page.getByLabel("Your name").fill(ADMIN.name);
  await page.getByLabel("Email").fill("not-an-email");
  await page.getByLabel("Password", { exact: true }).fill("short");
  await page.getByLabel("Confirm password").fill("different");
  await page.getByRole("button", { name: "Create admin account" }).click();
  await expect(page.getByText("Enter a valid email address, like name@example.com.")).toBeVisible();
  await expect(page.getByText("Use at least 12 characters.")).toBeVisible();
  await expect(page.getByText("The passwords do not match.")).toBeVisible();
  await page.screenshot({ path: "test-results/screens/setup-errors.png", fullPage: true });

  // Whoever reaches a new installation first cannot claim it without the operator's token.
  await page.getByLabel("Setup token").fill("a-guess-at-the-setup-token");
  await page.getByLabel("Email").fill(ADMIN.email);
  await page.getByLabel("Password", { exact: true }).fill(ADMIN.password);
  await page.getByLabel("Confirm password").fill(ADMIN.password);
  await page.getByRole("button", { name: "Create admin account" }).click();
  await expect(page.getByText("That is not the setup token.")).toBeVisible();
  await expect(page).toHaveURL(/\/setup$/);
  await page.screenshot({ path: "test-results/screens/setup-token-wrong.png", fullPage: true });

  await page.getByLabel("Setup token").fill(E2E.setupToken);
  await page.getByRole("button", { name: "Create admin account" }).click();

  await expect(page).toHaveURL(/\/settings\/event-streaming$/);
  await expect(page.getByRole("heading", { name: "Event Streaming", level: 1 })).toBeVisible();
  await expect(page.getByTestId("signed-in-user")).toContainText(ADMIN.email);
  await expect(page.getByTestId("signed-in-user")).toContainText("Admin");
  await page.screenshot({ path: "test-results/screens/event-streaming-empty.png", fullPage: true });

  // Set-up happens once: the page now sends visitors to sign in.
  await page.goto("/setup");
  await expect(page).not.toHaveURL(/\/setup$/);
});
