import { startReceiver, type Receiver } from "../test/helpers/receiver";
import { type ReceivedMail, startSmtpSink } from "../test/helpers/smtp-sink";
import { get, type Stack, startStack, waitFor } from "./fixtures/stack";
import { expect, type Page, test } from "./fixtures/test";

// Emails to people, through a real SMTP server on loopback: a Tributary of its own (the shared one
// writes its emails to the outbox folder) with SMTP_URL pointing at the sink and an operator token.
test.describe.configure({ mode: "serial" });

const OPERATOR_TOKEN = "people-suite-operator-token-0123456789abcdef";
const PASSWORD = "a long enough password for ines";
const INES = { email: "ines@initech.test", name: "Ines Invited" };
const OMAR = { email: "omar@initech.test", name: "Omar Portal" };

let stack: Stack;
let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
let siem: Receiver;
let orgId: string;

test.beforeAll(async () => {
  test.setTimeout(300_000);
  smtp = await startSmtpSink();
  siem = await startReceiver("/initech");
  stack = await startStack({
    SMTP_URL: smtp.url,
    OPERATOR_API_TOKEN: OPERATOR_TOKEN,
    // Low enough that a dozen rejected events trip auto-disable.
    AUTO_DISABLE_MIN_ATTEMPTS: "10",
    AUTO_DISABLE_WINDOW_MINUTES: "1",
  });
});
test.afterAll(async () => {
  await stack?.stop();
  await smtp?.close();
  await siem?.close();
});

/** The operator API of this suite's Tributary. */
async function operator(method: string, path: string, body?: unknown, org?: string) {
  const res = await fetch(`${stack.baseUrl}/api/v1${path}`, {
    method,
    headers: {
      Authorization: `Bearer ${OPERATOR_TOKEN}`,
      ...(org ? { "Tributary-Organization": org } : {}),
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null };
}

const mailTo = (email: string, subject: RegExp) => smtp.received.filter((m) => m.to.includes(email) && subject.test(m.raw));

async function signInHere(page: Page, email: string, password: string) {
  await page.goto(`${stack.baseUrl}/login`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("signed-in-user")).toContainText(email);
}

test("an invited admin accepts by the emailed link, lands on Event Streaming, and signs in again with the new password", async ({ page }) => {
  const org = await operator("POST", "/organizations", { name: "Initech", external_id: "initech" });
  expect(org.status).toBe(201);
  orgId = org.json.id;
  const invited = await operator("POST", "/organizations/initech/members", { email: INES.email, role: "ADMIN" });
  expect(invited).toMatchObject({ status: 201, json: { status: "INVITED", role: "ADMIN" } });

  // The worker sends it: one email, to her, with a link valid 72 hours.
  const [mail] = await waitFor("the invitation email", () => {
    const found = mailTo(INES.email, /Subject: You are invited to Initech on Tributary/);
    return found.length > 0 && found;
  });
  expect(mail!.raw).toContain("You are invited to join Initech on Tributary as an admin.");
  const link = new RegExp(`${stack.baseUrl}/invite/[A-Za-z0-9_-]+`).exec(mail!.raw)?.[0];
  expect(link).toBeTruthy();

  await page.goto(link!);
  await expect(page.getByRole("heading", { name: "Join Initech" })).toBeVisible();
  await expect(page.getByLabel("Email")).toHaveValue(INES.email);
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: "test-results/screens/invitation-narrow.png", fullPage: true });
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.getByLabel("Your name").fill("");
  await page.getByLabel("Password", { exact: true }).fill("short");
  await page.getByRole("button", { name: "Accept invitation" }).click();
  await expect(page.getByText("Enter a name.")).toBeVisible();
  await expect(page.getByText("Use at least 12 characters.")).toBeVisible();
  await expect(page.getByText("The passwords do not match.")).toBeVisible();
  await page.screenshot({ path: "test-results/screens/invitation-errors.png", fullPage: true });

  await page.getByLabel("Your name").fill(INES.name);
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByLabel("Confirm password").fill(PASSWORD);
  await page.getByRole("button", { name: "Accept invitation" }).click();
  await expect(page).toHaveURL(/\/settings\/event-streaming$/);
  await expect(page.getByTestId("signed-in-user")).toContainText(INES.name);
  await expect(page.getByTestId("signed-in-user")).toContainText("Admin");
  expect((await operator("GET", "/organizations/initech/members")).json.data).toEqual([expect.objectContaining({ email: INES.email, name: INES.name, status: "ACTIVE" })]);

  // The link worked once.
  await page.goto(link!);
  await expect(page.getByRole("heading", { name: "This invitation link does not work" })).toBeVisible();
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: "test-results/screens/invitation-used-narrow.png", fullPage: true });
  await page.setViewportSize({ width: 1280, height: 800 });

  await page.getByRole("link", { name: "Go to sign in" }).click();
  await page.context().clearCookies();
  await signInHere(page, INES.email, PASSWORD);
});

test("an auto-disable email reaches both admins of the organization, each once, and no one else", async ({ browser }) => {
  // A second admin, who signs in through a portal link (no password), and a member.
  const link = await operator("POST", "/organizations/initech/portal-links", { ...OMAR, role: "ADMIN" });
  expect(link.status).toBe(201);
  const omar = await (await browser.newContext()).newPage();
  await omar.goto(link.json.url);
  await omar.getByRole("button", { name: "Continue" }).click();
  await expect(omar.getByTestId("signed-in-user")).toContainText(OMAR.email);
  await omar.context().close();
  const member = await operator("POST", "/organizations/initech/portal-links", { email: "mia@initech.test", role: "MEMBER" });
  const mia = await (await browser.newContext()).newPage();
  await mia.goto(member.json.url);
  await mia.getByRole("button", { name: "Continue" }).click();
  await expect(mia.getByTestId("signed-in-user")).toContainText("Member");
  await mia.context().close();

  siem.respondWith((req) => ((req.json as { event_type?: string })?.event_type === "EVENT_STREAM_CONNECTIONS_TESTED" ? { status: 200 } : { status: 400, body: "schema mismatch" }));
  const created = await operator("POST", "/connections", { name: "Initech SIEM", url: siem.url, auth: { type: "NONE" } }, "initech");
  expect(created.status).toBe(201);
  const publisher = await operator("POST", "/tokens", { name: "Initech backend", scope: "PUBLISH" }, "initech");
  const published = await fetch(`${stack.baseUrl}/api/v1/events`, {
    method: "POST",
    headers: { Authorization: `Bearer ${publisher.json.token}`, "content-type": "application/json" },
    body: JSON.stringify(Array.from({ length: 12 }, (_, i) => ({ event_type: "TPS_REPORT_FILED", data: { i } }))),
  });
  expect(published.status).toBe(202);

  await waitFor("the auto-disable", async () => (await get(`${stack.baseUrl}/api/v1/connections/${created.json.id}`, { headers: { Authorization: `Bearer ${OPERATOR_TOKEN}`, "Tributary-Organization": orgId } })).json.disabled_reason === "AUTO", 60_000);
  const notices = await waitFor("the auto-disable email", () => {
    const found = smtp.received.filter((m: ReceivedMail) => m.raw.includes("'Initech SIEM' was disabled"));
    return found.length > 0 && found;
  });
  // One message, addressed to both active admins; the member and the shared suite's admins get nothing.
  expect(notices).toHaveLength(1);
  expect(notices[0]!.to.sort()).toEqual([INES.email, OMAR.email].sort());
});
