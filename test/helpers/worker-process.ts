import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

/** The real worker (`workers/index.ts`) as a separate process against a test database. */
export function spawnWorker(databaseUrl: string, env: Record<string, string>): ChildProcess & { output: () => string } {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "tributary-worker-"));
  let output = "";
  const child = spawn(process.execPath, ["--import", "tsx", "workers/index.ts"], {
    env: { ...process.env, DATABASE_URL: databaseUrl, DATA_DIR: dataDir, LOG_LEVEL: "warn", NODE_ENV: "test", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.on("data", (c: Buffer) => (output += c.toString()));
  child.stderr?.on("data", (c: Buffer) => (output += c.toString()));
  child.on("exit", () => fs.rmSync(dataDir, { recursive: true, force: true }));
  return Object.assign(child, { output: () => output });
}

export function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once("exit", () => resolve()));
}

/**
 * A worker started as an operator adds one on another machine: `npm start` with TRIBUTARY_ROLE=worker
 * against the same DATABASE_URL. `workerPid` is the worker process itself (npm start's child), found
 * in the start log.
 */
export function startWorkerRole(databaseUrl: string, env: Record<string, string>) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "tributary-worker-role-"));
  let output = "";
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/start.ts"], {
    env: { ...process.env, TRIBUTARY_ROLE: "worker", DATABASE_URL: databaseUrl, DATA_DIR: dataDir, LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.on("data", (c: Buffer) => (output += c.toString()));
  child.stderr?.on("data", (c: Buffer) => (output += c.toString()));
  child.on("exit", () => fs.rmSync(dataDir, { recursive: true, force: true }));
  return Object.assign(child, {
    output: () => output,
    /** The worker process's pid once npm start has started it. */
    workerPid: (): number | null => {
      const m = /"workerPid":(\d+)/.exec(output);
      return m ? Number(m[1]) : null;
    },
  });
}
