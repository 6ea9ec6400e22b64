import crypto from "node:crypto";
import os from "node:os";
import type { Db } from "./db/client";

export function newWorkerId(): string {
  return `${os.hostname()}-${process.pid}-${crypto.randomBytes(3).toString("hex")}`;
}

export async function beat(dbc: Db, workerId: string, startedAt: Date, now = new Date()) {
  await dbc.workerHeartbeat.upsert({
    where: { workerId },
    create: { workerId, hostname: os.hostname(), pid: process.pid, startedAt, seenAt: now },
    update: { seenAt: now },
  });
}

export async function forget(dbc: Db, workerId: string) {
  await dbc.workerHeartbeat.deleteMany({ where: { workerId } });
}

/** Heartbeats of workers gone for a day are noise in the table. */
export async function purgeOldHeartbeats(dbc: Db, now = new Date()) {
  return dbc.workerHeartbeat.deleteMany({ where: { seenAt: { lt: new Date(now.getTime() - 24 * 3600_000) } } });
}
