import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { migrate, readMigrations } from "../../lib/db/migrate";
import { createTestDatabase, type TestDatabase } from "../helpers/db";

let t: TestDatabase | undefined;
afterEach(async () => {
  await t?.drop();
  t = undefined;
});

async function rows(url: string, sql: string) {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(sql)).rows;
  } finally {
    await c.end();
  }
}

describe("migration runner", () => {
  it("applies every migration once and records it the way Prisma does", async () => {
    t = await createTestDatabase({ migrated: false });
    const first = await migrate(t.url);
    expect(first.applied).toEqual(readMigrations().map((m) => m.name));
    const second = await migrate(t.url);
    expect(second.applied).toEqual([]);
    expect(second.alreadyApplied).toBe(readMigrations().length);
    const recorded = await rows(t.url, `SELECT migration_name, checksum, finished_at, applied_steps_count FROM _prisma_migrations ORDER BY migration_name`);
    expect(recorded.map((r) => r.migration_name)).toEqual(readMigrations().map((m) => m.name));
    expect(recorded.map((r) => r.checksum)).toEqual(readMigrations().map((m) => m.checksum));
    expect(recorded.every((r) => r.finished_at !== null && r.applied_steps_count === 1)).toBe(true);
  });

  it("lets concurrent starts migrate the same database without conflict", async () => {
    t = await createTestDatabase({ migrated: false });
    const results = await Promise.all([migrate(t.url), migrate(t.url), migrate(t.url)]);
    expect(results.flatMap((r) => r.applied)).toEqual(readMigrations().map((m) => m.name));
  });

  it("partitions delivery_failures with every index whether or not the health migration ran first", async () => {
    const indexes = async (url: string) =>
      (
        await rows(
          url,
          `SELECT c.relname || ' ' || pg_get_indexdef(i.indexrelid) AS def FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
           JOIN pg_class tb ON tb.oid = i.indrelid WHERE tb.relname = 'delivery_failures' ORDER BY 1`,
        )
      ).map((r) => r.def);
    t = await createTestDatabase({ migrated: false });
    await migrate(t.url);
    const inOrder = await indexes(t.url);
    await t.drop();
    // An installation of the release before partitioning, with connection health already applied.
    t = await createTestDatabase({ migrated: false });
    const all = readMigrations();
    await migrate(t.url, all.filter((m) => m.name !== "20261201090000_partitions"));
    expect((await migrate(t.url)).applied).toEqual(["20261201090000_partitions"]);
    expect(await indexes(t.url)).toEqual(inOrder);
    expect(inOrder.join("\n")).toContain("delivery_failures_organization_id_event_id_idx");
    const partitioned = await rows(t.url, "SELECT relkind FROM pg_class WHERE relname = 'delivery_failures'");
    expect(partitioned[0].relkind).toBe("p");
  });

  it("refuses to run when an applied migration was edited", async () => {
    t = await createTestDatabase({ migrated: false });
    await migrate(t.url);
    const edited = readMigrations().map((m, i) => (i === 0 ? { ...m, checksum: "0".repeat(64) } : m));
    await expect(migrate(t.url, edited)).rejects.toThrow(/was changed after it was applied/);
  });

  it("rolls back a failing migration and records nothing for it", async () => {
    t = await createTestDatabase({ migrated: false });
    const broken = [...readMigrations(), { name: "29990101000000_broken", sql: "CREATE TABLE ok_then (id int); SELECT nope;", checksum: "x" }];
    await expect(migrate(t.url, broken)).rejects.toThrow(/29990101000000_broken failed/);
    const recorded = await rows(t.url, `SELECT migration_name FROM _prisma_migrations WHERE migration_name LIKE '2999%'`);
    expect(recorded).toEqual([]);
    const tables = await rows(t.url, `SELECT to_regclass('ok_then') AS t`);
    expect(tables[0].t).toBeNull();
  });
});
