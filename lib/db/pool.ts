import pg from "pg";
import { databaseUrl } from "./client";

// Hot paths (ingest, streaming) use node-postgres directly: one round trip per query, no ORM.
const holder = globalThis as unknown as { __tributaryPool?: pg.Pool };

export function createPool(url: string, max = 10): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max, application_name: "tributary" });
  // An idle client that loses its connection must not crash the process.
  pool.on("error", () => undefined);
  return pool;
}

export function pgPool(): pg.Pool {
  holder.__tributaryPool ??= createPool(databaseUrl());
  return holder.__tributaryPool;
}
