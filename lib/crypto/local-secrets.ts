import crypto from "node:crypto";
import path from "node:path";
import { preparePrivateDir, readOrCreatePrivateFile } from "../data-dir";

/**
 * Reads a secret generated once into `<dataDir>/keys/<name>` (0600, in a 0700 folder), creating it
 * on first use. A file that does not hold a key of the right size stops the start with a clear
 * message rather than encrypting with a broken key.
 */
export function localSecret(dataDir: string, name: string, bytes = 32): Buffer {
  const file = path.join(dataDir, "keys", name);
  preparePrivateDir(path.dirname(file));
  const key = Buffer.from(readOrCreatePrivateFile(file, () => crypto.randomBytes(bytes).toString("base64")), "base64");
  if (key.length !== bytes) {
    throw new Error(
      `${file} does not hold a ${bytes}-byte key (it is empty or damaged). Restore it from a backup: secrets sealed with it cannot be opened without it.`,
    );
  }
  return key;
}
