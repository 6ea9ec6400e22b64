import pg from "pg";
import { describe, expect, it } from "vitest";
import { createDb } from "../../lib/db/client";
import { databaseUnavailable } from "../../lib/db/unavailable";
import { freePort } from "../helpers/ports";

const caught = async (p: Promise<unknown>) => p.then(() => { throw new Error("expected a failure"); }, (err: unknown) => err);
const sqlState = (code: string, message = "x") => Object.assign(new pg.DatabaseError(message, 0, "error"), { code, severity: "ERROR" });

describe("databaseUnavailable", () => {
  it("recognises node-postgres failing to connect to a server that is down", async () => {
    const client = new pg.Client({ connectionString: `postgresql://u:p@127.0.0.1:${await freePort()}/x` });
    const err = await caught(client.connect());
    expect(databaseUnavailable(err)).toMatchObject({ code: "DATABASE_UNAVAILABLE", status: 503, details: { reason: "unreachable" } });
  });

  it("recognises Prisma's errors for a server that is down, whatever the query", async () => {
    const db = createDb(`postgresql://u:p@127.0.0.1:${await freePort()}/x`, 1);
    expect(databaseUnavailable(await caught(db.$queryRaw`SELECT 1`))).toMatchObject({ status: 503 });
    expect(databaseUnavailable(await caught(db.user.count()))).toMatchObject({ status: 503 });
    await db.$disconnect();
  });

  it.each(["57P01", "57P03", "08006", "53300"])("recognises SQLSTATE %s (shutting down, starting up, connection lost, too many connections)", (code) => {
    expect(databaseUnavailable(sqlState(code))).toMatchObject({ status: 503, details: { reason: "unreachable" } });
    expect(databaseUnavailable(new Error("wrapped", { cause: sqlState(code) }))).toMatchObject({ status: 503 });
  });

  it("says so when the database's disk is full, also inside a Prisma driver adapter error", () => {
    const full = sqlState("53100", 'could not extend file "base/16384/16500": No space left on device');
    expect(databaseUnavailable(full)).toMatchObject({ status: 503, details: { reason: "disk_full" }, message: expect.stringMatching(/disk is full/) });
    const viaPrisma = { code: "P2010", meta: { driverAdapterError: { name: "DriverAdapterError", cause: { kind: "postgres", code: "53100" } } } };
    expect(databaseUnavailable(viaPrisma)).toMatchObject({ details: { reason: "disk_full" } });
  });

  it("leaves other errors alone", () => {
    expect(databaseUnavailable(sqlState("23505", "duplicate key"))).toBeNull();
    expect(databaseUnavailable(new TypeError("x is undefined"))).toBeNull();
    expect(databaseUnavailable(null)).toBeNull();
  });
});
