import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

/**
 * A real small filesystem (tmpfs) that tests fill up. Mounting needs root (CAP_SYS_ADMIN), which
 * this suite has wherever it runs (CI runs as root); without it the test says so instead of passing.
 */
export function mountSmallDisk(sizeMb: number) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tributary-small-disk-"));
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", `size=${sizeMb}m,mode=0755`, "tmpfs", dir], { stdio: "pipe" });
  } catch (err) {
    fs.rmdirSync(dir);
    throw new Error(`Could not mount a ${sizeMb} MB tmpfs for the disk-full test (it needs root): ${(err as Error).message}`);
  }
  const filler = path.join(dir, ".filler");
  return {
    dir,
    /** Fills the disk to the last `leaveBytes` bytes. */
    fill(leaveBytes = 0) {
      const { bavail, bsize } = fs.statfsSync(dir);
      const free = bavail * bsize - leaveBytes;
      const fd = fs.openSync(filler, "a");
      const chunk = Buffer.alloc(1024 * 1024);
      let written = 0;
      try {
        while (written < free) written += fs.writeSync(fd, chunk, 0, Math.min(chunk.length, free - written));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "ENOSPC") throw err;
      } finally {
        fs.closeSync(fd);
      }
    },
    free() {
      fs.rmSync(filler, { force: true });
    },
    freeBytes() {
      const { bavail, bsize } = fs.statfsSync(dir);
      return bavail * bsize;
    },
    unmount() {
      execFileSync("umount", ["-l", dir], { stdio: "pipe" });
      fs.rmdirSync(dir);
    },
  };
}
