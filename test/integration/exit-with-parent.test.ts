import { spawn } from "node:child_process";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { waitUntil } from "../helpers/streaming";

// scripts/start.ts starts the web app and the worker with this preload and an IPC channel: a
// parent killed with SIGKILL (which it cannot pass on) must not leave them running.

const preload = pathToFileURL(path.resolve("scripts/exit-with-parent.mjs")).href;
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe("scripts/exit-with-parent.mjs", () => {
  it("stops a child gracefully (as on SIGTERM) when its parent is killed with SIGKILL", async () => {
    // The parent starts a long-running child the way start.ts does, then reports the child's pid.
    const parentCode = `
      const { spawn } = require("node:child_process");
      const child = spawn(process.execPath, ["--import", ${JSON.stringify(preload)}, "-e",
        "process.on('SIGTERM', () => { console.log('graceful stop'); process.exit(0); }); console.log('ready'); setInterval(() => {}, 1000);"],
        { stdio: ["ignore", "inherit", "inherit", "ipc"] });
      process.stdout.write(String(child.pid) + "\\n");
      setInterval(() => {}, 1000);
    `;
    const parent = spawn(process.execPath, ["-e", parentCode], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    parent.stdout.on("data", (c: Buffer) => (out += c.toString()));
    await waitUntil(() => /^\d+$/m.test(out) && out.includes("ready"), 20_000, "the child to be up");
    const childPid = Number(/^(\d+)$/m.exec(out)![1]);
    expect(alive(childPid)).toBe(true);

    parent.kill("SIGKILL");
    await waitUntil(() => !alive(childPid), 10_000, "the child to stop");
    expect(out).toContain("graceful stop");
  });

  it("does nothing in a process started without an IPC channel", async () => {
    const child = spawn(process.execPath, ["--import", preload, "-e", "setTimeout(() => console.log('still here'), 300)"], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    await new Promise((resolve) => child.once("exit", resolve));
    expect(out).toBe("still here\n");
    expect(child.exitCode).toBe(0);
  });
});
