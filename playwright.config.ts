import path from "node:path";
import { defineConfig } from "@playwright/test";
import { findChromium } from "./scripts/ensure-chromium";
import { E2E } from "./e2e/fixtures/env";

// The app under test is started the way an operator starts it (`scripts/start.ts`), on a fresh
// embedded PostgreSQL in its own data folder, so first-run set-up is exercised for real.

export default defineConfig({
  testDir: "e2e",
  outputDir: "test-results/e2e",
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [["list"], ["html", { open: "never", outputFolder: "playwright-report" }]],
  use: {
    baseURL: E2E.baseUrl,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath: findChromium(),
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-quic",
      ],
    },
  },
  projects: [
    { name: "first-run", testMatch: /first-run\.spec\.ts/ },
    { name: "app", testIgnore: /first-run\.spec\.ts/, dependencies: ["first-run"] },
  ],
  webServer: {
    command: "node --import tsx scripts/e2e-server.ts",
    url: `${E2E.baseUrl}/api/health`,
    timeout: 240_000,
    reuseExistingServer: false,
    stdout: "pipe",
    stderr: "pipe",
    gracefulShutdown: { signal: "SIGTERM", timeout: 20_000 },
    env: {
      PORT: String(E2E.port),
      APP_URL: E2E.baseUrl,
      DATA_DIR: path.resolve(E2E.dataDir),
      EMBEDDED_POSTGRES_PORT: String(E2E.postgresPort),
      OUTBOUND_ALLOW_CIDRS: "127.0.0.0/8,::1/128",
      SETUP_TOKEN: E2E.setupToken,
      OPERATOR_API_TOKEN: E2E.operatorToken,
      LOG_LEVEL: "warn",
      // Low enough that the failures suite can trip auto-disable with a dozen rejected events.
      AUTO_DISABLE_MIN_ATTEMPTS: "10",
      AUTO_DISABLE_WINDOW_MINUTES: "1",
    },
  },
});
