import type pg from "pg";
import type { Tx } from "./client";

/**
 * Runs a statement in whichever transaction the caller holds: a node-postgres client (worker, hot
 * paths) or a Prisma interactive transaction (the web app's services). Lets a store write a
 * statement once and still join a Prisma transaction. Types as node-postgres returns them: cast
 * bigint columns to text in the statement.
 */
export type Sql = {
  rows<T>(text: string, values: readonly unknown[]): Promise<T[]>;
  run(text: string, values: readonly unknown[]): Promise<void>;
};

export function pgSql(client: Pick<pg.ClientBase, "query">): Sql {
  return {
    rows: async <T>(text: string, values: readonly unknown[]) => (await client.query(text, [...values])).rows as T[],
    run: async (text, values) => {
      await client.query(text, [...values]);
    },
  };
}

export function prismaSql(tx: Tx): Sql {
  return {
    rows: <T>(text: string, values: readonly unknown[]) => tx.$queryRawUnsafe<T[]>(text, ...values),
    run: async (text, values) => {
      await tx.$executeRawUnsafe(text, ...values);
    },
  };
}
