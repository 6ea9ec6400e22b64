import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import type { TestProject } from "vitest/node";
import { startEmbeddedPostgres, type EmbeddedDatabase } from "../../lib/db/embedded-postgres";
import { migrate } from "../../lib/db/migrate";
import { withDatabase } from "../../lib/db/url";
import { freePort } from "../helpers/ports";

// One PostgreSQL for the whole run (TEST_DATABASE_URL, or an embedded one in a temp folder) and a
// migrated template database; each test file clones the template into a fresh database.

export const TEMPLATE_DB = "tributary_test_template";

declare module "vitest" {
  export interface ProvidedContext {
    pgAdminUrl: string;
    templateDb: string;
  }
}

export default async function setup(project: TestProject) {
  let server: EmbeddedDatabase | undefined;
  let dir: string | undefined;
  let adminUrl = process.env.TEST_DATABASE_URL;
  if (!adminUrl) {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "tributary-test-pg-"));
    server = await startEmbeddedPostgres({ dataDir: dir, port: await freePort(), database: "postgres" });
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
    await server?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  };
}
