import { spawnSync } from "node:child_process";
import { ensureChromium } from "./ensure-chromium";

// `npm test`: everything, in the order that fails fastest. Each step must pass for the next to run.

function step(name: string, cmd: string, args: string[], env: Record<string, string> = {}) {
  const started = Date.now();
  console.log(`\n▶ ${name}`);
  const r = spawnSync(cmd, args, { stdio: "inherit", env: { ...process.env, ...env } });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (r.status !== 0) {
    console.error(`\n✗ ${name} failed after ${seconds}s`);
    process.exit(r.status ?? 1);
  }
  console.log(`✓ ${name} (${seconds}s)`);
}

const node = process.execPath;
const bin = (name: string) => `node_modules/.bin/${name}`;

step("prisma generate", node, ["scripts/prisma-generate.mjs"]);
step("typecheck", bin("tsc"), ["--noEmit"]);
step("unit and integration tests (vitest)", bin("vitest"), ["run"]);
console.log("\n▶ browser for end-to-end tests");
const chromium = ensureChromium();
console.log(`✓ ${chromium}`);
step("end-to-end tests (playwright)", bin("playwright"), ["test"], { CHROMIUM_PATH: chromium });
console.log("\nAll tests passed.");
