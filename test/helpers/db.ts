import crypto from "node:crypto";
import pg from "pg";
import { inject } from "vitest";
import { createDb, type Db } from "../../lib/db/client";
import { createPool } from "../../lib/db/pool";
import { withDatabase } from "../../lib/db/url";

export type TestDatabase = {
  /** The application's role (not a superuser), as `npm start` gives the web app and the worker; the owner's for an unmigrated database. */
  url: string;
  /** The database owner's: for migrating and for what only an owner may do. */
  ownerUrl: string;
  name: string;
  db: Db;
  pool: pg.Pool;
  drop: () => Promise<void>;
};

/** A fresh database cloned from the migrated template (fast: a file copy inside PostgreSQL). */
export async function createTestDatabase(options: { migrated?: boolean } = {}): Promise<TestDatabase> {
  const adminUrl = inject("pgAdminUrl");
  const name = `t_${crypto.randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(options.migrated === false ? `CREATE DATABASE ${name}` : `CREATE DATABASE ${name} TEMPLATE ${inject("templateDb")}`);
  } finally {
    await admin.end();
  }
  const ownerUrl = withDatabase(adminUrl, name);
  const url = options.migrated === false ? ownerUrl : withDatabase(inject("pgAppUrl"), name);
  const db = createDb(url, 5);
  const pool = createPool(url, 5);
  return {
    url,
    ownerUrl,
    name,
    db,
    pool,
    drop: async () => {
      await db.$disconnect();
      await pool.end();
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}
