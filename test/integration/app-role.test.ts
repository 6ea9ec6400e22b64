import pg from "pg";
import PgBoss from "pg-boss";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { APP_ROLE, grantAppAccess } from "../../lib/db/app-role";
import { migrate } from "../../lib/db/migrate";
import { withDatabase } from "../../lib/db/url";
import { inject } from "vitest";
import { createTestDatabase, type TestDatabase } from "../helpers/db";

// The embedded PostgreSQL's superuser only migrates; the web app and the worker (and so every
// integration test) connect as tributary_app.

const open: pg.Client[] = [];
async function connect(url: string) {
  const c = new pg.Client({ connectionString: url });
  c.on("error", () => undefined);
  await c.connect();
  open.push(c);
  return c;
}
const closeAll = () => Promise.all(open.splice(0).map((c) => c.end().catch(() => undefined)));

describe("the application's database role", () => {
  let t: TestDatabase;
  beforeEach(async () => {
    t = await createTestDatabase();
  });
  afterEach(async () => {
    await closeAll();
    await t.drop();
  });

  it("is what the tests (like npm start's web app and worker) connect as, and has no superuser powers", async () => {
    const app = await connect(t.url);
    const { rows } = await app.query("SELECT current_user AS name, rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls FROM pg_roles WHERE rolname = current_user");
    expect(rows[0]).toEqual({ name: APP_ROLE, rolsuper: false, rolcreatedb: false, rolcreaterole: false, rolreplication: false, rolbypassrls: false });
  });

  it.each([
    ["create a database", "CREATE DATABASE not_allowed"],
    ["create a role", "CREATE ROLE not_allowed"],
    ["run a program", "COPY (SELECT 1) TO PROGRAM 'true'"],
    ["read a server file", "SELECT pg_read_file('PG_VERSION')"],
    ["change server settings", "ALTER SYSTEM SET work_mem = '1GB'"],
    ["drop a table", "DROP TABLE events"],
    ["change a table", "ALTER TABLE connections ADD COLUMN x int"],
    ["create a table in public", "CREATE TABLE public.not_allowed (id int)"],
    ["rewrite the migration history", "DELETE FROM _prisma_migrations"],
  ])("may not %s", async (_what, sql) => {
    const app = await connect(t.url);
    await expect(app.query(sql)).rejects.toThrow(/permission denied|must be owner|must be superuser|only superuser/);
  });

  it("reads and writes the application's tables and reads the migration history", async () => {
    const app = await connect(t.url);
    await app.query("INSERT INTO organizations (id, name) VALUES (gen_random_uuid(), 'Role check')");
    expect((await app.query("SELECT count(*)::int AS n FROM organizations WHERE name = 'Role check'")).rows[0].n).toBe(1);
    expect((await app.query("SELECT count(*)::int AS n FROM _prisma_migrations")).rows[0].n).toBeGreaterThan(0);
  });

  it("owns pg-boss's schema, so a worker can create its queues", async () => {
    const boss = new PgBoss({ connectionString: t.url });
    boss.on("error", () => undefined);
    await boss.start();
    await boss.createQueue("role-check");
    await boss.send("role-check", { ok: true });
    await boss.stop({ graceful: false, wait: true });
    const app = await connect(t.url);
    const owners = await app.query<{ owner: string }>(
      "SELECT DISTINCT pg_get_userbyid(c.relowner) AS owner FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'pgboss'",
    );
    expect(owners.rows).toEqual([{ owner: APP_ROLE }]);
  });
});

describe("handing over an installation an older release ran as the superuser", () => {
  it("gives the application role pg-boss's schema, tables, partitions and functions", async () => {
    const t = await createTestDatabase({ migrated: false });
    try {
      await migrate(t.ownerUrl);
      // As before: the owner started pg-boss and created a queue (a partition of pgboss.job).
      const old = new PgBoss({ connectionString: t.ownerUrl });
      old.on("error", () => undefined);
      await old.start();
      await old.createQueue("from-before");
      await old.send("from-before", { n: 1 });
      await old.stop({ graceful: false, wait: true });

      const owner = await connect(t.ownerUrl);
      await grantAppAccess(owner, APP_ROLE);
      await grantAppAccess(owner, APP_ROLE); // idempotent
      const notHanded = await owner.query(
        `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'pgboss' AND pg_get_userbyid(c.relowner) <> $1
         UNION ALL SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'pgboss' AND pg_get_userbyid(p.proowner) <> $1`,
        [APP_ROLE],
      );
      expect(notHanded.rows).toEqual([]);

      const appUrl = withDatabase(inject("pgAppUrl"), t.name);
      const boss = new PgBoss({ connectionString: appUrl });
      boss.on("error", () => undefined);
      await boss.start();
      await boss.createQueue("after-upgrade");
      const [job] = await boss.fetch<{ n: number }>("from-before");
      expect(job?.data).toEqual({ n: 1 });
      await boss.stop({ graceful: false, wait: true });
    } finally {
      await closeAll();
      await t.drop();
    }
  });
});
