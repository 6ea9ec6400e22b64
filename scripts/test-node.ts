import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

// `npm run test:node24` (or `tsx scripts/test-node.ts 22`): the unit and integration suites under
// another Node.js major release, whose binary comes from the npm registry's `node` package
// (installed once into node_modules/.cache). Child processes the tests start use the same binary.

const major = process.argv[2] ?? "24";
if (!/^\d+$/.test(major)) {
  console.error(`Usage: tsx scripts/test-node.ts <major version>, e.g. 24 (got "${major}")`);
  process.exit(2);
}
const prefix = path.resolve("node_modules", ".cache", "tributary-node", major);
const binary = path.join(prefix, "node_modules", "node", "bin", "node");

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env) {
  const r = spawnSync(cmd, args, { stdio: "inherit", env });
  if (r.status !== 0) {
    console.error(`\n✗ ${path.basename(cmd)} ${args.join(" ")} failed`);
    process.exit(r.status ?? 1);
  }
}

if (!fs.existsSync(binary)) {
  console.log(`▶ installing Node.js ${major} from the npm registry into ${prefix}`);
  fs.mkdirSync(prefix, { recursive: true });
  run("npm", ["install", "--prefix", prefix, "--no-save", "--no-audit", "--no-fund", "--no-package-lock", `node@${major}`]);
}
const version = spawnSync(binary, ["--version"], { encoding: "utf8" }).stdout.trim();
if (!version.startsWith(`v${major}.`)) {
  console.error(`${binary} is ${version || "not runnable"}, not Node.js ${major}.`);
  process.exit(1);
}
console.log(`\n▶ unit and integration tests (vitest) on Node.js ${version}`);
const started = Date.now();
run(binary, [path.resolve("node_modules/vitest/vitest.mjs"), "run"], {
  ...process.env,
  PATH: `${path.dirname(binary)}${path.delimiter}${process.env.PATH}`,
});
console.log(`✓ unit and integration tests on Node.js ${version} (${((Date.now() - started) / 1000).toFixed(1)}s)`);
