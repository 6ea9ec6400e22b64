import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";

// Playwright cannot download its own browser here; the tests drive Debian's Chromium.
// Installs it with apt-get when missing (as root, or through password-less sudo).

export const CHROMIUM_CANDIDATES = ["/usr/bin/chromium", "/usr/bin/chromium-browser"];

export function findChromium(): string | undefined {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv && fs.existsSync(fromEnv)) return fromEnv;
  return CHROMIUM_CANDIDATES.find((p) => fs.existsSync(p));
}

function run(cmd: string, args: string[]) {
  const r = spawnSync(cmd, args, { stdio: "inherit", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed with exit code ${r.status}`);
}

export function ensureChromium(): string {
  const found = findChromium();
  if (found) return found;
  const packages = ["chromium", "fonts-liberation", "fonts-noto-color-emoji"];
  const isRoot = process.getuid?.() === 0;
  let prefix: string[] = [];
  if (!isRoot) {
    try {
      execFileSync("sudo", ["-n", "true"], { stdio: "ignore" });
      prefix = ["sudo", "-n"];
    } catch {
      throw new Error(
        `Chromium is not installed and this user cannot install it. Run: sudo apt-get install -y ${packages.join(" ")}\n` +
          "or set CHROMIUM_PATH to a Chromium or Chrome binary.",
      );
    }
  }
  console.log(`Installing Debian's Chromium for the end-to-end tests (${packages.join(", ")})…`);
  const [cmd, ...pre] = prefix.length ? prefix : ["apt-get"];
  const aptArgs = (args: string[]) => (prefix.length ? [...pre, "apt-get", ...args] : args);
  run(cmd!, aptArgs(["update", "-q"]));
  run(cmd!, aptArgs(["install", "-y", "-q", "--no-install-recommends", ...packages]));
  const installed = findChromium();
  if (!installed) throw new Error("apt-get finished but no Chromium binary was found in /usr/bin.");
  return installed;
}

if (process.argv[1]?.endsWith("ensure-chromium.ts")) {
  try {
    console.log(`Chromium: ${ensureChromium()}`);
  } catch (err) {
    console.error((err as Error).message);
    process.exit(1);
  }
}
