import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { Config } from "../config";
import { preparePrivateDir, readOrCreatePrivateFile } from "../data-dir";

// The first-run page creates the first admin of a new installation, and `next start` listens on
// every interface: whoever reaches it first would own it. It therefore asks for a secret only the
// operator has: SETUP_TOKEN, or one start.ts generates into DATA_DIR and prints in the start log.
// Web instances on other machines do not share DATA_DIR: set SETUP_TOKEN (or BOOTSTRAP_*) there.

const fileOf = (config: Config) => path.join(config.dataDir, "keys", "setup-token");

export function setupTokenFile(config: Config): string {
  return fileOf(config);
}

/** The token the first-run page expects: SETUP_TOKEN, else the generated one; null when neither exists. */
export function expectedSetupToken(config: Config): string | null {
  if (config.setupToken) return config.setupToken;
  try {
    return fs.readFileSync(fileOf(config), "utf8").trim() || null;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw err;
  }
}

/**
 * start.ts, on an installation without users and without SETUP_TOKEN: generates the token once
 * (0600 in DATA_DIR/keys, 0700). `generated` tells whether this start created it, so the log
 * prints the token only then.
 */
export function ensureSetupToken(config: Config): { token: string; generated: boolean } {
  const existing = expectedSetupToken(config);
  if (existing) return { token: existing, generated: false };
  const file = fileOf(config);
  preparePrivateDir(path.dirname(file));
  let made: string | null = null;
  const token = readOrCreatePrivateFile(file, () => (made = crypto.randomBytes(24).toString("base64url")));
  // Another process may have won the race to create it: then this one did not generate what is stored.
  return { token, generated: token === made };
}

/** Once an admin exists the generated token has no use left. */
export function forgetSetupToken(config: Config): void {
  fs.rmSync(fileOf(config), { force: true });
}

/** Constant-time comparison (of digests, so the lengths never differ). */
export function setupTokenMatches(expected: string | null, supplied: string): boolean {
  if (!expected) return false;
  const a = crypto.createHash("sha256").update(expected).digest();
  const b = crypto.createHash("sha256").update(supplied.trim()).digest();
  return crypto.timingSafeEqual(a, b);
}
