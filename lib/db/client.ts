import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "./generated/client";
import { databaseUrl } from "./url";

export type Db = PrismaClient;
export type Tx = Parameters<Parameters<PrismaClient["$transaction"]>[0]>[0];

export { databaseUrl };

export function createDb(url: string, max = 10): PrismaClient {
  // With the database down a request fails within 5 s (503), it does not wait for a connection forever.
  return new PrismaClient({ adapter: new PrismaPg({ connectionString: url, max, connectionTimeoutMillis: 5_000 }) });
}

const holder = globalThis as unknown as { __tributaryDb?: PrismaClient };

/** The process-wide Prisma client (kept on globalThis so dev reloads do not open new pools). */
export function db(): PrismaClient {
  holder.__tributaryDb ??= createDb(databaseUrl());
  return holder.__tributaryDb;
}
