import { spawnSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import esbuild from "esbuild";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);

const INPUTS = ["app", "components", "lib", "workers", "scripts/web-server.ts", "prisma/schema.prisma", "next.config.mjs", "postcss.config.mjs", "tsconfig.json", "package-lock.json"];
/** What the worker bundle is built from (a worker-only start needs no `next build`). */
const WORKER_INPUTS = ["lib", "workers", "tsconfig.json", "package-lock.json"];
const STAMP = path.join(".next", "tributary-build-hash");
const WORKER_STAMP = path.join(".next", "worker", "build-hash");
/** The worker, bundled to plain JavaScript: no TypeScript loader in the long-running process (~40 MB less RSS). */
export const WORKER_BUNDLE = path.join(".next", "worker", "index.mjs");
/** The web server (scripts/web-server.ts) bundled the same way; Next.js itself stays in node_modules. */
export const WEB_SERVER_BUNDLE = path.join(".next", "web-server", "index.mjs");

function* files(entry: string): Generator<string> {
  if (!fs.existsSync(entry)) return;
  const stat = fs.statSync(entry);
  if (stat.isFile()) {
    yield entry;
    return;
  }
  for (const name of fs.readdirSync(entry).sort()) {
    if (name === "node_modules" || name === "dmmf.json") continue;
    yield* files(path.join(entry, name));
  }
}

/** A hash of everything `next build` reads from the project, to know when a build is stale. */
export function sourceHash(inputs = INPUTS): string {
  const h = crypto.createHash("sha256");
  for (const input of inputs) {
    for (const file of files(input)) {
      h.update(file).update("\0").update(fs.readFileSync(file)).update("\0");
    }
  }
  return h.digest("hex");
}

function bundle(entry: string, outfile: string): void {
  const { outputFiles } = esbuild.buildSync({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    packages: "external",
    sourcemap: true,
    logLevel: "warning",
    write: false,
  });
  // Written beside and renamed (the source map first), so a process starting meanwhile never reads half a bundle.
  fs.mkdirSync(path.dirname(outfile), { recursive: true });
  for (const file of [...outputFiles].sort((a, b) => Number(a.path.endsWith(".mjs")) - Number(b.path.endsWith(".mjs")))) {
    const tmp = `${file.path}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, file.contents);
    fs.renameSync(tmp, file.path);
  }
}

/** Bundles workers/index.ts and scripts/web-server.ts with esbuild (dependencies stay in node_modules). */
export function buildBundles(): void {
  bundle("workers/index.ts", WORKER_BUNDLE);
  bundle("scripts/web-server.ts", WEB_SERVER_BUNDLE);
}

/** Runs `next build` and bundles the worker unless the last build was of exactly these sources. Returns false if it failed. */
export function buildIfNeeded(log: (msg: string) => void): boolean {
  const hash = sourceHash();
  const built =
    fs.existsSync(path.join(".next", "BUILD_ID")) && fs.existsSync(WORKER_BUNDLE) && fs.existsSync(WEB_SERVER_BUNDLE) && fs.existsSync(STAMP) && fs.readFileSync(STAMP, "utf8") === hash;
  if (built) return true;
  log("Building the web app (next build) and the worker; later starts skip this until the sources change…");
  const result = spawnSync(process.execPath, [require.resolve("next/dist/bin/next"), "build"], { stdio: "inherit", env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" } });
  if (result.status !== 0) return false;
  buildBundles();
  fs.writeFileSync(STAMP, hash);
  fs.writeFileSync(WORKER_STAMP, sourceHash(WORKER_INPUTS));
  return true;
}

/** Bundles only the worker (TRIBUTARY_ROLE=worker: no web app on this machine), unless it is current. */
export function buildWorkerIfNeeded(log: (msg: string) => void): void {
  const hash = sourceHash(WORKER_INPUTS);
  if (fs.existsSync(WORKER_BUNDLE) && fs.existsSync(WORKER_STAMP) && fs.readFileSync(WORKER_STAMP, "utf8") === hash) return;
  log("Bundling the worker; later starts skip this until the sources change…");
  bundle("workers/index.ts", WORKER_BUNDLE);
  fs.writeFileSync(WORKER_STAMP, hash);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exit(buildIfNeeded((m) => console.log(m)) ? 0 : 1);
}
