import { PrismaPg } from "@prisma/adapter-pg";
import { getConfig } from "../config";
import { PrismaClient } from "./generated/client";

export type Db = PrismaClient;
export type Tx = Parameters<Parameters<PrismaClient["$transaction"]>[0]>[0];

export function databaseUrl(): string {
  const url = getConfig().databaseUrl;
  if (!url) {
    throw new Error(
      "DATABASE_URL is not set. Start Tributary with `npm start` (which runs the embedded PostgreSQL and sets it), or set DATABASE_URL.",
    );
  }
  return url;
}

export function createDb(url: string, max = 10): PrismaClient {
  return new PrismaClient({ adapter: new PrismaPg({ connectionString: url, max }) });
}

const holder = globalThis as unknown as { __tributaryDb?: PrismaClient };

/** The process-wide Prisma client (kept on globalThis so dev reloads do not open new pools). */
export function db(): PrismaClient {
  holder.__tributaryDb ??= createDb(databaseUrl());
  return holder.__tributaryDb;
}
