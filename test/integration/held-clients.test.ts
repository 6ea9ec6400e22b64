import pg from "pg";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createPool, holdClient, withTransaction } from "../../lib/db/pool";
import { createTestDatabase, type TestDatabase } from "../helpers/db";

// A client held across statements whose connection is lost between them (the database killed or
// restarted): node-postgres emits `error` on it, which with no listener would end the web app or the
// worker (and with them `npm start`). It must fail the next statement instead.

let t: TestDatabase;
let pool: pg.Pool;
let admin: pg.Client;

beforeEach(async () => {
  t = await createTestDatabase();
  pool = createPool(t.url, 2);
  admin = new pg.Client({ connectionString: t.url });
  await admin.connect();
});
afterEach(async () => {
  await admin.end();
  await pool.end();
  await t.drop();
});

/** Ends the client's server session and waits until the client has seen it go. */
async function loseConnection(client: pg.ClientBase): Promise<void> {
  const { rows } = await client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
  const ended = new Promise((resolve) => (client as pg.PoolClient).once("end", resolve));
  await admin.query("SELECT pg_terminate_backend($1)", [rows[0]!.pid]);
  await ended;
}

describe("clients held across statements", () => {
  it("a transaction whose connection is lost between statements fails, and the process goes on", async () => {
    await expect(
      withTransaction(pool, async (client) => {
        await loseConnection(client);
        await client.query("SELECT 1");
      }),
    ).rejects.toThrow();
    // The broken client was discarded: the pool serves the next statement.
    expect((await pool.query("SELECT 1 AS one")).rows[0].one).toBe(1);
  });

  it("a held client (a redelivery's lock session) lost while idle fails its next statement only", async () => {
    const held = await holdClient(pool);
    await loseConnection(held.client);
    await expect(held.client.query("SELECT 1")).rejects.toThrow();
    held.release();
    expect(pool.totalCount).toBe(0);
    expect((await pool.query("SELECT 1 AS one")).rows[0].one).toBe(1);
  });
});
