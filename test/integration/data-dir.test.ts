import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { localSecret } from "../../lib/crypto/local-secrets";
import { preparePrivateDir } from "../../lib/data-dir";
import { APP_ROLE, grantAppAccess } from "../../lib/db/app-role";
import { migrate } from "../../lib/db/migrate";
import { createPool } from "../../lib/db/pool";
import { databaseUnavailable } from "../../lib/db/unavailable";
import { wireEvent } from "../../lib/events/envelope";
import { publishEvents } from "../../lib/events/publish";
import { createMailer } from "../../lib/notifications/mailer";
import { mountSmallDisk } from "../helpers/small-disk";
import { freePort } from "../helpers/ports";

const mode = (p: string) => fs.statSync(p).mode & 0o777;
const asRoot = process.getuid?.() === 0;
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "tributary-datadir-"));

describe("DATA_DIR permissions", () => {
  it("creates private folders 0700 and tightens ones an older release left 0755", () => {
    const root = tmp();
    preparePrivateDir(path.join(root, "new"));
    expect(mode(path.join(root, "new"))).toBe(0o700);
    fs.mkdirSync(path.join(root, "old"), { mode: 0o755 });
    fs.chmodSync(path.join(root, "old"), 0o755);
    preparePrivateDir(path.join(root, "old"));
    expect(mode(path.join(root, "old"))).toBe(0o700);
    fs.rmSync(root, { recursive: true });
  });

  it("writes generated keys 0600 in a 0700 keys folder, tightening old ones, and refuses a damaged key", () => {
    const dataDir = tmp();
    const key = localSecret(dataDir, "encryption-key");
    expect(key).toHaveLength(32);
    expect(mode(path.join(dataDir, "keys"))).toBe(0o700);
    expect(mode(path.join(dataDir, "keys", "encryption-key"))).toBe(0o600);
    expect(localSecret(dataDir, "encryption-key")).toEqual(key);

    fs.chmodSync(path.join(dataDir, "keys"), 0o755);
    fs.chmodSync(path.join(dataDir, "keys", "encryption-key"), 0o644);
    localSecret(dataDir, "encryption-key");
    expect(mode(path.join(dataDir, "keys"))).toBe(0o700);
    expect(mode(path.join(dataDir, "keys", "encryption-key"))).toBe(0o600);

    fs.writeFileSync(path.join(dataDir, "keys", "auth-secret"), "");
    expect(() => localSecret(dataDir, "auth-secret")).toThrow(/auth-secret does not hold a 32-byte key \(it is empty or damaged\)/);
    fs.rmSync(dataDir, { recursive: true });
  });
});

describe("a full DATA_DIR disk", () => {
  const disk = mountSmallDisk(4);
  afterAll(() => disk.unmount());

  it("fails to create a key with a clear error, leaves no empty key behind, and works once there is space", () => {
    const dataDir = path.join(disk.dir, "keys-case");
    fs.mkdirSync(path.join(dataDir, "keys"), { recursive: true });
    disk.fill();
    expect(() => localSecret(dataDir, "encryption-key")).toThrow(/encryption-key \(ENOSPC: .*\): the disk of DATA_DIR is full/);
    expect(fs.readdirSync(path.join(dataDir, "keys"))).toEqual([]);
    disk.free();
    expect(localSecret(dataDir, "encryption-key")).toHaveLength(32);
  });

  it("fails to write an email with a clear error, leaves no partial .eml, and writes it once there is space", async () => {
    const dataDir = path.join(disk.dir, "outbox-case");
    const mailer = createMailer({ smtpUrl: undefined, smtpRequireTls: false, emailFrom: "t@example.com", dataDir }, pino({ level: "silent" }));
    const mail = { to: "a@example.com", subject: "Failures today", text: "x".repeat(64 * 1024), html: "<p>x</p>" };
    await mailer.send({ ...mail, subject: "first" });
    const before = fs.readdirSync(path.join(dataDir, "outbox"));
    expect(before).toHaveLength(1);
    disk.fill(4_096);
    await expect(mailer.send(mail)).rejects.toThrow(/Could not write the email "Failures today" to .*outbox \(ENOSPC: .*\): the disk is full\. It will be tried again\./);
    expect(fs.readdirSync(path.join(dataDir, "outbox"))).toEqual(before);
    disk.free();
    const sent = await mailer.send(mail);
    expect(fs.readFileSync(sent.file!, "utf8")).toContain("Subject: Failures today");
    expect(fs.readdirSync(path.join(dataDir, "outbox")).some((f) => f.endsWith(".partial"))).toBe(false);
  });
});

describe("the embedded PostgreSQL on a full disk", () => {
  const disk = mountSmallDisk(160);
  const dataDir = path.join(disk.dir, "data");
  let server: ChildProcess;
  let urls: { url: string; appUrl: string };

  beforeAll(async () => {
    server = spawn(process.execPath, ["--import", "tsx", "scripts/embedded-postgres.ts"], {
      env: { ...process.env, DATA_DIR: dataDir, EMBEDDED_POSTGRES_PORT: String(await freePort()), LOG_LEVEL: "warn", DATABASE_URL: "" },
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    urls = await new Promise((resolve, reject) => {
      server.once("message", (m: { ready: boolean; url: string; appUrl: string; error?: string }) => (m.ready ? resolve(m) : reject(new Error(m.error))));
      server.once("exit", (code) => reject(new Error(`embedded PostgreSQL exited with ${code}`)));
    });
    await migrate(urls.url);
    const owner = new pg.Client({ connectionString: urls.url });
    await owner.connect();
    await grantAppAccess(owner, APP_ROLE);
    await owner.end();
  }, 120_000);
  afterAll(async () => {
    await new Promise<void>((resolve) => {
      if (server.exitCode !== null) return resolve();
      server.once("exit", () => resolve());
      server.kill("SIGTERM");
    });
    disk.unmount();
  });

  it("keeps its folder private: DATA_DIR 0710 root:postgres (0700 when not root), passwords 0600", () => {
    expect(mode(dataDir)).toBe(asRoot ? 0o710 : 0o700);
    if (asRoot) expect(fs.statSync(dataDir).gid).toBe(fs.statSync(path.join(dataDir, "postgres")).gid);
    expect(mode(path.join(dataDir, "postgres-password"))).toBe(0o600);
    expect(mode(path.join(dataDir, "postgres-app-password"))).toBe(0o600);
  });

  it("refuses writes with a clear disk-full error, keeps every acknowledged event, and takes writes again once there is space", async () => {
    const pool = createPool(urls.appUrl, 2);
    try {
      const org = (await pool.query<{ id: string }>("INSERT INTO organizations (id, name) VALUES (gen_random_uuid(), 'Disk') RETURNING id")).rows[0]!.id;
      const started = (await pool.query("SELECT pg_postmaster_start_time() AS t")).rows[0].t;
      const batch = () => Array.from({ length: 200 }, (_, i) => wireEvent({ eventType: "USER_LOGGED_IN", actor: { email: `u${i}@example.com` }, data: { pad: "p".repeat(800) } }));
      let acknowledged = 0;
      await publishEvents(pool, org, batch());
      acknowledged += 200;

      disk.fill();
      let failure: unknown = null;
      for (let i = 0; i < 200 && !failure; i++) {
        try {
          await publishEvents(pool, org, batch());
          acknowledged += 200;
        } catch (err) {
          failure = err;
        }
      }
      expect(failure).not.toBeNull();
      expect(databaseUnavailable(failure)).toMatchObject({ code: "DATABASE_UNAVAILABLE", status: 503, details: { reason: "disk_full" } });

      disk.free();
      await publishEvents(pool, org, batch());
      acknowledged += 200;
      expect((await pool.query("SELECT count(*)::int AS n FROM events WHERE organization_id = $1", [org])).rows[0].n).toBe(acknowledged);
      // The refused batch left nothing half-written, and PostgreSQL never had to restart.
      expect((await pool.query("SELECT count(DISTINCT seq)::int AS n FROM events")).rows[0].n).toBe(acknowledged);
      expect((await pool.query("SELECT pg_postmaster_start_time() AS t")).rows[0].t).toEqual(started);
    } finally {
      disk.free();
      await pool.end();
    }
  }, 120_000);
});
