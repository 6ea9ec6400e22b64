import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";

// DATA_DIR holds the encryption key, the session key, the database's passwords, the embedded
// database and emails: only its owner may read any of it. When root runs the embedded PostgreSQL
// as the `postgres` user, that user's group may pass through DATA_DIR (0710) to reach
// DATA_DIR/postgres, and see nothing else. Folders and files an older release left 0755/0644 are
// tightened on every start.

/** Creates `dir` (and missing parents) 0700, or 0710 for `group`, and tightens it if it is looser. */
export function preparePrivateDir(dir: string, group?: number): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const mode = group === undefined ? 0o700 : 0o710;
  const stat = fs.statSync(dir);
  if (group !== undefined && stat.gid !== group) fs.chownSync(dir, stat.uid, group);
  if ((stat.mode & 0o777) !== mode) fs.chmodSync(dir, mode);
}

function tightenFile(file: string): void {
  if ((fs.statSync(file).mode & 0o077) !== 0) fs.chmodSync(file, 0o600);
}

/**
 * The contents of a private (0600) file, created with `make()` on first use. The value is written
 * to a temporary name and linked into place, so concurrent first starts agree on one value (the
 * link fails for all but one) and a full disk leaves an error, never an empty or cut-off file.
 */
export function readOrCreatePrivateFile(file: string, make: () => string): string {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  if (!fs.existsSync(file)) {
    const temporary = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${crypto.randomBytes(4).toString("hex")}`);
    try {
      fs.writeFileSync(temporary, `${make()}\n`, { mode: 0o600, flag: "wx" });
      fs.linkSync(temporary, file);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      if (e.code !== "EEXIST") {
        throw new Error(`Could not create ${file} (${e.code ?? "error"}: ${e.message})${e.code === "ENOSPC" ? ": the disk of DATA_DIR is full" : ""}.`, {
          cause: err,
        });
      }
    } finally {
      fs.rmSync(temporary, { force: true });
    }
  }
  tightenFile(file);
  return fs.readFileSync(file, "utf8").trim();
}
