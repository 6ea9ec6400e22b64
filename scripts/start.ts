import { type ChildProcess, spawn, type StdioOptions } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import pg from "pg";
import { bootstrapFromConfig, hasAnyUser } from "../lib/auth/accounts";
import { ensureSetupToken, forgetSetupToken, setupTokenFile } from "../lib/auth/setup-token";
import { ConfigError, loadConfig } from "../lib/config";
import { resealLegacySecrets } from "../lib/connections/reseal-secrets";
import { secretBox } from "../lib/crypto/secret-box";
import { preparePrivateDir } from "../lib/data-dir";
import { APP_ROLE, grantAppAccess } from "../lib/db/app-role";
import { createDb } from "../lib/db/client";
import { migrate } from "../lib/db/migrate";
import { AppError } from "../lib/errors";
import { createLogger } from "../lib/log";
import { buildIfNeeded, buildWorkerIfNeeded, WEB_SERVER_BUNDLE, WORKER_BUNDLE } from "./build-if-needed";

// `npm start`: embedded PostgreSQL (unless DATABASE_URL), migrations, bootstrap, build if the
// sources changed, then the web app and the worker together until SIGTERM/SIGINT. TRIBUTARY_ROLE=web
// or =worker runs only one of them, against DATABASE_URL: how operators add processes on more
// machines. Every role migrates (the migration runner takes an advisory lock, so starts take turns).

const dev = process.argv.includes("--dev");

async function main() {
  // An operator's .env (see .env.example) applies to this process and the web app and worker it starts.
  if (fs.existsSync(".env")) process.loadEnvFile(".env");
  // A self-hosted product does not phone home: no Next.js telemetry from the build or the server.
  process.env.NEXT_TELEMETRY_DISABLED = "1";
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
  const logger = createLogger("start", config.logLevel);
  const runsWeb = config.role !== "worker";
  const runsWorker = config.role !== "web";

  let embedded: ChildProcess | undefined;
  // The owner's URL migrates; the web app and worker get the app's (a non-superuser role on the
  // embedded PostgreSQL; the operator's DATABASE_URL as it is).
  let url = config.databaseUrl;
  let appUrl = config.databaseUrl;
  if (!url) {
    logger.info({ dataDir: config.dataDir, port: config.embeddedPostgresPort }, "starting embedded PostgreSQL");
    embedded = spawn(process.execPath, ["--import", "tsx", "scripts/embedded-postgres.ts"], {
      detached: true,
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    ({ url, appUrl } = await new Promise<{ url: string; appUrl: string }>((resolve, reject) => {
      embedded!.once("message", (m: { ready: boolean; url?: string; appUrl?: string; error?: string }) =>
        m.ready && m.url && m.appUrl ? resolve({ url: m.url, appUrl: m.appUrl }) : reject(new Error(`Embedded PostgreSQL failed to start: ${m.error}`)),
      );
      embedded!.once("exit", (code) => reject(new Error(`Embedded PostgreSQL exited (code ${code}) before it was ready.`)));
    }));
  } else {
    preparePrivateDir(config.dataDir);
  }

  const children: ChildProcess[] = [];
  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
            child.once("exit", () => {
              clearTimeout(timer);
              resolve();
            });
            child.kill("SIGTERM");
          }),
      ),
    );
    if (embedded && embedded.exitCode === null) {
      logger.info("stopping embedded PostgreSQL");
      const pgProcess = embedded;
      await new Promise<void>((resolve) => {
        pgProcess.once("exit", () => resolve());
        pgProcess.kill("SIGTERM");
      });
    }
    process.exit(code);
  };
  process.on("SIGTERM", () => void shutdown(0));
  process.on("SIGINT", () => void shutdown(0));
  process.on("SIGHUP", () => void shutdown(0));

  let firstRunNote = "";
  try {
    const result = await migrate(url);
    logger.info({ applied: result.applied, alreadyApplied: result.alreadyApplied }, "database migrated");
    if (embedded) await withClient(url, (c) => grantAppAccess(c, APP_ROLE));
    if (runsWeb) {
      const sealed = await withClient(appUrl!, (c) => resealLegacySecrets(c, secretBox(config)));
      if (sealed.resealed > 0) logger.info({ count: sealed.resealed }, "stored secrets sealed again, bound to their rows");
      if (sealed.unreadable > 0) logger.warn({ count: sealed.unreadable }, "stored secrets that do not open with this ENCRYPTION_KEY were left as they are");
      const dbc = createDb(appUrl!, 2);
      try {
        const boot = await bootstrapFromConfig(dbc, config);
        if (boot.createdAdmin) logger.info({ email: config.bootstrap.adminEmail }, "bootstrap admin created");
        if (boot.createdToken) logger.info("bootstrap API token registered");
        for (const note of boot.notes) logger.warn(note);
        firstRunNote = (await hasAnyUser(dbc)) ? "" : firstRunInstructions(config);
        if (!firstRunNote) forgetSetupToken(config);
      } finally {
        await dbc.$disconnect();
      }
    }
    if (runsWeb && !dev && !buildIfNeeded((m) => logger.info(m))) throw new Error("next build failed; see the output above.");
    if (!runsWeb && !dev) buildWorkerIfNeeded((m) => logger.info(m));
  } catch (err) {
    if (err instanceof AppError) console.error(err.message);
    else logger.fatal({ err }, "start failed");
    await shutdown(1);
    return;
  }

  const env = { ...process.env, DATABASE_URL: appUrl, NEXTAUTH_URL: config.appUrl, NODE_ENV: dev ? ("development" as const) : ("production" as const) };
  // Each child watches an IPC channel to this process: if this process dies, even by SIGKILL, they stop too.
  const watchParent = ["--import", pathToFileURL(path.resolve("scripts/exit-with-parent.mjs")).href];
  const stdio: StdioOptions = ["inherit", "inherit", "inherit", "ipc"];
  // Next.js's request handler behind our own http.Server, which knows each request's socket (see web-server.ts).
  const webArgs = dev ? ["--import", "tsx", "scripts/web-server.ts", "--dev"] : ["--enable-source-maps", WEB_SERVER_BUNDLE];
  const workerArgs = dev ? ["--import", "tsx", "workers/index.ts"] : ["--enable-source-maps", WORKER_BUNDLE];
  const started: [string, ChildProcess][] = [];
  if (runsWeb) started.push(["web", spawn(process.execPath, [...watchParent, ...webArgs], { stdio, env })]);
  if (runsWorker) started.push(["worker", spawn(process.execPath, [...watchParent, ...workerArgs], { stdio, env })]);
  children.push(...started.map(([, child]) => child));
  embedded?.on("exit", (code, signal) => {
    if (stopping) return;
    logger.fatal({ code, signal }, "the embedded PostgreSQL process ended; stopping Tributary (start it again with npm start)");
    void shutdown(1);
  });
  for (const [name, child] of started) {
    child.on("exit", (code, signal) => {
      if (stopping) return;
      logger.error({ process: name, code, signal }, `${name} process exited; stopping Tributary`);
      void shutdown(1);
    });
  }
  if (!runsWeb) {
    logger.info({ workerPid: started[0]![1].pid, role: config.role }, "worker process started");
    return;
  }

  const health = await waitForHealth(config.port, () => stopping);
  if (stopping) return;
  if (health === "ok") console.log(`\n  Tributary is running: open ${config.appUrl}\n${firstRunNote}`);
  else if (health === "no-worker") {
    console.log(`\n  The web app is running at ${config.appUrl}, but no worker is: /api/health answers 503 and no event is\n  delivered until one starts (TRIBUTARY_ROLE=worker npm start, against the same DATABASE_URL).\n${firstRunNote}`);
  }
}

/** What the start log tells the person setting up a new installation; the generated token is shown only when it is created. */
function firstRunInstructions(config: ReturnType<typeof loadConfig>): string {
  const setup = `${config.appUrl}/setup`;
  if (config.setupToken) return `  First run: ${setup} creates the first admin; enter the SETUP_TOKEN you configured.\n`;
  const { token, generated } = ensureSetupToken(config);
  if (generated) {
    return `  First run: ${setup} creates the first admin. It asks for this setup token:\n\n      ${token}\n\n  (shown once; until the first admin exists it is also in ${setupTokenFile(config)})\n`;
  }
  return `  First run: ${setup} creates the first admin. Its setup token was printed when it was generated and is in ${setupTokenFile(config)}.\n`;
}

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, application_name: "tributary-start" });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * Waits until /api/health answers 200 ("ok"). A web app that answers but reports no live worker
 * (TRIBUTARY_ROLE=web with no worker anywhere yet) is "no-worker" after a while.
 */
async function waitForHealth(port: number, stopped: () => boolean): Promise<"ok" | "no-worker" | "timeout"> {
  const started = Date.now();
  const deadline = started + 120_000;
  while (Date.now() < deadline && !stopped()) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/api/health`);
      if (res.ok) return "ok";
      const body = (await res.json().catch(() => null)) as { checks?: { database?: string; migrations?: string; worker?: string } } | null;
      const onlyWorkerMissing = body?.checks?.database === "ok" && body.checks.migrations === "ok" && body.checks.worker !== "ok";
      if (onlyWorkerMissing && Date.now() - started > 20_000) return "no-worker";
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return "timeout";
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
