import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";

/**
 * Reads a secret generated once into `<dataDir>/keys/<name>`, creating it (0600) on first use.
 * `wx` makes concurrent first starts agree on one value.
 */
export function localSecret(dataDir: string, name: string, bytes = 32): Buffer {
  const file = path.join(dataDir, "keys", name);
  try {
    return Buffer.from(fs.readFileSync(file, "utf8").trim(), "base64");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  try {
    fs.writeFileSync(file, crypto.randomBytes(bytes).toString("base64") + "\n", { mode: 0o600, flag: "wx" });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
  }
  return Buffer.from(fs.readFileSync(file, "utf8").trim(), "base64");
}
