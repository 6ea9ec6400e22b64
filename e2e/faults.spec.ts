import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, test } from "./fixtures/test";
import pg from "pg";
import { startReceiver, type Receiver } from "../test/helpers/receiver";
import { freePort } from "../test/helpers/ports";
import { alive, get, OPERATOR, postmasterPid, type Stack, startStack, waitFor } from "./fixtures/stack";

// Faults survived by a whole Tributary in real processes: PostgreSQL killed with SIGKILL mid-stream
// (an operator's server through DATABASE_URL, and the embedded one), and `npm start` itself killed.

test.describe.configure({ mode: "serial" });
test.setTimeout(300_000);

const EVENTS = 2_000;
const streamedIds = (r: Receiver) =>
  r.requests.map((q) => q.json as { id: string; event_type: string }).filter((e) => e?.event_type === "USER_LOGGED_IN").map((e) => e.id);

/** A connection to `receiver`, and EVENTS events published to it; the receiver answers slowly enough (with 2 in flight, ~300/s) to be killed mid-stream. */
async function streamTo(stack: Stack, receiver: Receiver) {
  receiver.respondWith({ status: 200, delayMs: 5 });
  const created = await get(`${stack.baseUrl}/api/v1/connections`, {
    method: "POST",
    headers: { ...stack.auth, "content-type": "application/json" },
    body: JSON.stringify({ name: "Fault receiver", url: receiver.url, auth: { type: "NONE" } }),
  });
  expect(created.status).toBe(201);
  const ids: string[] = [];
  for (let i = 0; i < EVENTS; i += 500) {
    const batch = Array.from({ length: 500 }, (_, j) => ({ event_type: "USER_LOGGED_IN", actor_email: `u${i + j}@example.com`, data: { n: i + j } }));
    const res = await get(`${stack.baseUrl}/api/v1/events`, { method: "POST", headers: { ...stack.auth, "content-type": "application/json" }, body: JSON.stringify(batch) });
    expect(res.status).toBe(202);
    ids.push(...(res.json.ids as string[]));
  }
  return ids;
}

function expectAllOnce(receiver: Receiver, ids: string[]) {
  const got = streamedIds(receiver);
  expect(new Set(got)).toEqual(new Set(ids));
  const duplicates = got.length - new Set(got).size;
  console.log(`  ${ids.length} events, ${duplicates} delivered twice`);
  // At least once: only what was in flight or settled since the last cursor write comes again.
  expect(duplicates).toBeLessThanOrEqual(100);
}

function startPostgres(dataDir: string, port: number): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/embedded-postgres.ts"], {
    env: { ...process.env, DATA_DIR: dataDir, EMBEDDED_POSTGRES_PORT: String(port), LOG_LEVEL: "warn", DATABASE_URL: "" },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  return new Promise((resolve, reject) => {
    child.once("message", (m: { ready: boolean; url: string; error?: string }) => (m.ready ? resolve({ child, url: m.url }) : reject(new Error(m.error))));
    child.once("exit", (code) => reject(new Error(`PostgreSQL exited with ${code}`)));
  });
}

test("an operator's PostgreSQL killed mid-stream: 503s while it is down, no hang, nothing lost once it is back", async ({ page }) => {
  const pgDir = fs.mkdtempSync(path.join(os.tmpdir(), "tributary-operator-pg-"));
  const pgPort = await freePort();
  let postgres = await startPostgres(pgDir, pgPort);
  const stack = await startStack({ DATABASE_URL: postgres.url, STREAM_MAX_IN_FLIGHT: "2" });
  const receiver = await startReceiver();
  try {
    await page.goto(`${stack.baseUrl}/login`);
    await page.getByLabel("Email").fill(OPERATOR.email);
    await page.getByLabel("Password").fill(OPERATOR.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByRole("heading", { name: "Event Streaming", level: 1 })).toBeVisible();
    const ids = await streamTo(stack, receiver);

    await waitFor("the stream to be under way", () => streamedIds(receiver).length >= 300);
    // Nothing may start it again: its supervisor goes first, then the server itself.
    const postmaster = postmasterPid(path.join(pgDir, "postgres"));
    postgres.child.kill("SIGKILL");
    process.kill(postmaster, "SIGKILL");
    await waitFor("PostgreSQL to be gone", () => !alive(postmaster), 10_000, 50);
    expect(streamedIds(receiver).length).toBeLessThan(EVENTS);

    const health = await get(`${stack.baseUrl}/api/health`);
    expect(health).toMatchObject({ status: 503, json: { status: "unavailable" } });
    expect(health.ms).toBeLessThan(6_000);
    for (const [method, route] of [
      ["GET", "/api/v1/connections"],
      ["POST", "/api/v1/events"],
    ] as const) {
      const res = await get(`${stack.baseUrl}${route}`, {
        method,
        headers: { ...stack.auth, "content-type": "application/json" },
        body: method === "POST" ? JSON.stringify({ event_type: "USER_LOGGED_IN" }) : undefined,
      });
      expect(res, `${method} ${route}`).toMatchObject({ status: 503, json: { error: { code: "DATABASE_UNAVAILABLE" } } });
      expect(res.ms).toBeLessThan(6_000);
    }
    await page.reload();
    await expect(page.getByRole("heading", { name: "This page could not be loaded" })).toBeVisible();
    await page.screenshot({ path: "test-results/screens/database-unavailable.png", fullPage: true });

    postgres = await startPostgres(pgDir, pgPort);
    await waitFor("/api/health to be 200 again", async () => (await get(`${stack.baseUrl}/api/health`)).status === 200, 90_000, 500);
    await page.getByRole("button", { name: "Try again" }).click();
    await expect(page.getByRole("heading", { name: "Event Streaming", level: 1 })).toBeVisible();
    await waitFor("every event after the outage", () => new Set(streamedIds(receiver)).size === EVENTS, 120_000);
    expectAllOnce(receiver, ids);
    expect(stack.start.exitCode).toBeNull();
  } finally {
    await receiver.close();
    await stack.stop();
    await new Promise<void>((resolve) => {
      if (postgres.child.exitCode !== null || postgres.child.signalCode !== null) return resolve();
      postgres.child.once("exit", () => resolve());
      postgres.child.kill("SIGTERM");
    });
    fs.rmSync(pgDir, { recursive: true, force: true });
  }
});

test("the embedded PostgreSQL killed mid-stream is started again; npm start killed with SIGKILL leaves nothing running", async () => {
  const stack = await startStack({ STREAM_MAX_IN_FLIGHT: "2" });
  const receiver = await startReceiver();
  try {
    const pgData = path.join(stack.dataDir, "postgres");
    expect(fs.statSync(stack.dataDir).mode & 0o777).toBe(process.getuid?.() === 0 ? 0o710 : 0o700);
    const ids = await streamTo(stack, receiver);
    await waitFor("the stream to be under way", () => streamedIds(receiver).length >= 300);
    const first = postmasterPid(pgData);
    process.kill(first, "SIGKILL");
    const second = await waitFor("PostgreSQL to be started again", () => {
      try {
        const pid = postmasterPid(pgData);
        return pid !== first && alive(pid) ? pid : false;
      } catch {
        return false;
      }
    });
    await waitFor("/api/health to be 200 again", async () => (await get(`${stack.baseUrl}/api/health`)).status === 200, 90_000, 500);
    await waitFor("every event after the restart", () => new Set(streamedIds(receiver)).size === EVENTS, 120_000);
    expectAllOnce(receiver, ids);

    // The web app and the worker are not the database's superuser.
    const password = fs.readFileSync(path.join(stack.dataDir, "postgres-password"), "utf8").trim();
    const port = fs.readFileSync(path.join(pgData, "postmaster.pid"), "utf8").split("\n")[3]; // the lock file's fourth line
    const owner = new pg.Client({ connectionString: `postgresql://tributary:${encodeURIComponent(password)}@127.0.0.1:${port}/tributary` });
    await owner.connect();
    const users = await owner.query<{ usename: string }>(
      "SELECT DISTINCT usename FROM pg_stat_activity WHERE datname = 'tributary' AND backend_type = 'client backend' AND pid <> pg_backend_pid()",
    );
    await owner.end();
    expect(users.rows).toEqual([{ usename: "tributary_app" }]);

    const children = stack.children();
    expect(children.length).toBeGreaterThanOrEqual(3);
    stack.start.kill("SIGKILL");
    await waitFor("the web app, the worker and PostgreSQL to stop after npm start was killed", () => [...children, second].every((pid) => !alive(pid)), 60_000, 250);
    await expect(get(`${stack.baseUrl}/api/health`, {}, 2_000)).rejects.toThrow();
  } finally {
    await receiver.close();
    await stack.stop();
  }
});
