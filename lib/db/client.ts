import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "./generated/client";
import { databaseUrl } from "./url";

export type Db = PrismaClient;
export type Tx = Parameters<Parameters<PrismaClient["$transaction"]>[0]>[0];

export { databaseUrl };

// Prisma's default waits 2 s for a pooled connection to start an interactive transaction; a busy
// pool (a burst of API calls, a loaded machine) then fails requests that would have succeeded.
const TRANSACTION_OPTIONS = { maxWait: 10_000, timeout: 15_000 };

export function createDb(url: string, max = 10): PrismaClient {
  // With the database down a request fails within 5 s (503), it does not wait for a connection forever.
  return new PrismaClient({
    adapter: new PrismaPg({ connectionString: url, max, connectionTimeoutMillis: 5_000 }),
    transactionOptions: TRANSACTION_OPTIONS,
  });
}

const holder = globalThis as unknown as { __tributaryDb?: PrismaClient };

/** The process-wide Prisma client (kept on globalThis so dev reloads do not open new pools). */
export function db(): PrismaClient {
  holder.__tributaryDb ??= createDb(databaseUrl());
  return holder.__tributaryDb;
}
