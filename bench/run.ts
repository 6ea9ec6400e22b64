import { type ChildProcess, fork, spawn } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { request } from "undici";
import { createFirstAdmin } from "../lib/auth/accounts";
import { createApiToken } from "../lib/auth/api-tokens";
import { hashPassword } from "../lib/auth/password";
import { loadConfig } from "../lib/config";
import type { Person, Principal } from "../lib/auth/principal";
import { createConnection, type ServiceDeps, setEnabled, updateConnection } from "../lib/connections/service";
import { createSecretBox } from "../lib/crypto/secret-box";
import { createDb } from "../lib/db/client";
import { startEmbeddedPostgres } from "../lib/db/embedded-postgres";
import { migrate } from "../lib/db/migrate";
import { createPool } from "../lib/db/pool";
import { createHttpClient } from "../lib/delivery/http-client";
import { parseAllowList } from "../lib/delivery/outbound-guard";
import { wireEvent, type WireEvent } from "../lib/events/envelope";
import { publishEvents } from "../lib/events/publish";
import { buildIfNeeded, WEB_SERVER_BUNDLE, WORKER_BUNDLE } from "../scripts/build-if-needed";
import { listFailureGroups, listFailures, parseFailuresQuery } from "../lib/failures/list-failures";
import { connectionStats } from "../lib/health/connection-stats";
import { getRedelivery, requestRedelivery } from "../lib/failures/redelivery";
import PgBoss from "pg-boss";
import { freePort } from "../test/helpers/ports";
import { connectionsByHolder, insertTenants } from "../test/helpers/tenants";
import { SLOT_COUNT } from "../lib/delivery/stream-slots";
import { slotHolders } from "../lib/worker-presence";

// `npm run bench`: real PostgreSQL (embedded), the real worker and web processes, and loopback
// receivers in processes of their own. Prints a table and one JSON line. Targets are from the
// streamer issue; a miss is reported, not hidden.

// `npm run bench -- --only=throughput,batched,latency,isolation,backlog,ingest,failures,redelivery,chart,tenants` runs a subset;
// `--no-stats-cost` skips the throughput rounds with the per-minute statistics off.
const onlyArg = process.argv.find((a) => a.startsWith("--only="));
const only = onlyArg ? new Set(onlyArg.slice("--only=".length).split(",")) : null;
const enabled = (name: string) => !only || only.has(name);
const now = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (msg: string) => console.error(`[bench] ${msg}`);

type Stats = { count: number; requests: number; rejected: number; firstAt: number; lastAt: number; arrivals: Record<string, number> };

class ReceiverProcess {
  private constructor(
    readonly child: ChildProcess,
    readonly port: number,
  ) {}
  static async start(): Promise<ReceiverProcess> {
    const child = fork(path.resolve("bench/receiver-process.ts"), [], { execArgv: ["--import", "tsx"], stdio: ["ignore", "inherit", "inherit", "ipc"] });
    const port = await new Promise<number>((resolve) => child.once("message", (m: { port: number }) => resolve(m.port)));
    return new ReceiverProcess(child, port);
  }
  get url() {
    return `http://127.0.0.1:${this.port}/intake`;
  }
  private ask<T>(msg: object): Promise<T> {
    return new Promise((resolve) => {
      this.child.once("message", (m: T) => resolve(m));
      this.child.send(msg);
    });
  }
  stats() {
    return this.ask<Stats>({ cmd: "stats" });
  }
  reset(track = false) {
    return this.ask({ cmd: "reset", track });
  }
  mode(mode: "ok" | "timeout" | "poison") {
    return this.ask({ cmd: "mode", mode });
  }
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** CPU seconds (user + system) a process has used. */
function cpuSeconds(pid: number): number {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return NaN;
  }
}
const CLOCK_TICKS = 100;

/**
 * CPU seconds of the embedded PostgreSQL: its postmaster (with the children that have ended, which
 * it waited for) and every process it runs now.
 */
function postgresCpuSeconds(dataDir: string): number {
  const postmaster = Number(fs.readFileSync(path.join(dataDir, "postgres", "postmaster.pid"), "utf8").split("\n")[0]);
  const stat = (pid: string | number) => fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  const own = stat(postmaster);
  let total = (Number(own[11]) + Number(own[12]) + Number(own[13]) + Number(own[14])) / CLOCK_TICKS;
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const fields = stat(entry);
      if (Number(fields[1]) === postmaster) total += (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
    } catch {
      // ended meanwhile
    }
  }
  return total;
}

/** Transactions committed in the current database so far. */
async function commits(pool: { query: (sql: string) => Promise<{ rows: { n: string }[] }> }): Promise<number> {
  const { rows } = await pool.query("SELECT xact_commit::text AS n FROM pg_stat_database WHERE datname = current_database()");
  return Number(rows[0]!.n);
}

const fixed = (v: number | undefined) => (v === undefined ? "NaN" : v.toFixed(1));
const pct = (v: number | undefined) => `${fixed(v)} %`;

function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`bench: timed out waiting for ${what}`);
    await sleep(50);
  }
}

function events(n: number, type = "BENCH_EVENT"): WireEvent[] {
  return Array.from({ length: n }, (_, i) =>
    wireEvent({
      eventType: type,
      actor: { email: `user${i % 50}@example.com`, name: "Bench User", userId: crypto.randomUUID(), ipAddress: "198.51.100.7", userAgent: "bench/1.0" },
      data: { resource: "repository", action: "access_granted", index: i },
    }),
  );
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tributary-bench-"));
  fs.chmodSync(dir, 0o755);
  const children: ChildProcess[] = [];
  log("starting embedded PostgreSQL");
  const database = await startEmbeddedPostgres({ dataDir: dir, port: await freePort(), database: "tributary_bench" });
  const stopAll = async () => {
    for (const c of children) if (c.exitCode === null) c.kill("SIGTERM");
    await sleep(1_500);
    for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
    await database.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    await migrate(database.url);
    const encryptionKey = crypto.randomBytes(32).toString("base64");
    const env: Record<string, string> = { OUTBOUND_ALLOW_CIDRS: "127.0.0.0/8", ENCRYPTION_KEY: encryptionKey, DATA_DIR: dir, LOG_LEVEL: "warn", NODE_ENV: "production" };
    const config = loadConfig(env);
    const prisma = createDb(database.url, 4);
    const pool = createPool(database.url, 6);
    const allow = parseAllowList(config.outboundAllowCidrs);
    const deps: ServiceDeps = { db: prisma, pool, config, http: createHttpClient({ allow }), box: createSecretBox(Buffer.from(encryptionKey, "base64")), allow };

    const admin = await createFirstAdmin(prisma, {
      organizationName: "Bench",
      name: "Bench Admin",
      email: "bench@example.com",
      password: "bench password 123",
      confirmPassword: "bench password 123",
    });
    const newOrg = async (name: string): Promise<Principal & { user: Person }> => {
      const org = await prisma.organization.create({ data: { name } });
      const user = await prisma.user.create({
        data: { organizationId: org.id, email: `admin@${name.toLowerCase()}.example`, name: "Admin", role: "ADMIN", passwordHash: "x" },
      });
      return { organizationId: org.id, user: { id: user.id, email: user.email, name: user.name }, ipAddress: "127.0.0.1", userAgent: "bench" };
    };
    const main: Principal = { organizationId: admin.organizationId, user: { id: admin.userId, email: admin.email, name: "Bench Admin" }, ipAddress: "127.0.0.1", userAgent: "bench" };

    const receivers = await Promise.all([ReceiverProcess.start(), ReceiverProcess.start(), ReceiverProcess.start()]);
    children.push(...receivers.map((r) => r.child));

    log("building the web app and the worker if needed");
    if (!buildIfNeeded(log)) throw new Error("next build failed");
    log("starting the worker");
    const profile = process.argv.includes("--profile") ? ["--cpu-prof", `--cpu-prof-dir=${path.resolve("bench/profiles")}`] : [];
    // `stats: false` starts it with CONNECTION_STATS=off: no per-minute statistics or health upkeep.
    // Another worker joins the running ones as `TRIBUTARY_ROLE=worker npm start` would start it on
    // a second machine (the same bundle against the same DATABASE_URL); `live` is how many should then be up.
    const startWorker = async (stats = true, live = 1): Promise<ChildProcess> => {
      const child = spawn(process.execPath, [...profile, "--enable-source-maps", WORKER_BUNDLE], {
        env: {
          ...process.env,
          ...env,
          TRIBUTARY_ROLE: "worker",
          DATABASE_URL: database.url,
          DATA_DIR: path.join(dir, "worker"),
          DELIVERY_TIMEOUT_MS: "2000",
          CONNECTION_STATS: stats ? "on" : "off",
        },
        stdio: ["ignore", "inherit", "inherit"],
      });
      children.push(child);
      await waitFor(async () => (await prisma.workerHeartbeat.count()) >= live, 60_000, "the worker");
      return child;
    };
    const stopWorker = async (child: ChildProcess) => {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
      await waitFor(async () => (await prisma.workerHeartbeat.count()) === 0, 30_000, "the worker to stop");
    };
    let worker = await startWorker();

    const lag = async (organizationId: string) =>
      Number(
        (
          await pool.query<{ n: string }>(
            "SELECT coalesce(sum((SELECT count(*) FROM events e WHERE e.organization_id = c.organization_id AND e.seq > c.cursor)), 0)::text AS n FROM connections c WHERE c.organization_id = $1 AND c.enabled",
            [organizationId],
          )
        ).rows[0]!.n,
      );

    // The web app (`next start`) and an admin API token of its own organization, started once for the scenarios that need it.
    let web: Promise<{ port: number; token: string }> | null = null;
    const startWeb = () =>
      (web ??= (async () => {
        log("starting the web app");
        const port = await freePort();
        const child = spawn(process.execPath, ["--enable-source-maps", WEB_SERVER_BUNDLE], {
          env: { ...process.env, ...env, DATABASE_URL: database.url, PORT: String(port), NEXT_TELEMETRY_DISABLED: "1" },
          stdio: ["ignore", "ignore", "inherit"],
        });
        children.push(child);
        const org3 = await newOrg("Ingest");
        const { token } = await createApiToken(prisma, { organizationId: org3.organizationId, userId: org3.user.id, name: "bench" });
        await waitFor(
          async () => {
            try {
              return (await request(`http://127.0.0.1:${port}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } })).statusCode === 200;
            } catch {
              return false;
            }
          },
          60_000,
          "the web app",
        );
        return { port, token };
      })());

    // Ingest and backlog run first: on a fresh worker heap, before the other scenarios' rows give autovacuum work.
    // --- ingest: POST /api/v1/events, batches of 1,000
    let ingestRate = NaN;
    if (enabled("ingest")) {
    const { port: webPort, token } = await startWeb();
    const post = async (body: string) => {
      const res = await request(`http://127.0.0.1:${webPort}/api/v1/events`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body,
      });
      const text = await res.body.text();
      if (res.statusCode !== 202) throw new Error(`ingest answered ${res.statusCode}: ${text.slice(0, 200)}`);
    };
    const bodies = Array.from({ length: 60 }, () => JSON.stringify(events(1000, "INGESTED_EVENT").map(({ id: _id, ...rest }) => rest)));
    for (const b of bodies.slice(0, 5)) await post(b); // warm up
    const ingestStart = now();
    const queue = bodies.slice(5);
    await Promise.all(
      [0, 1, 2].map(async () => {
        while (queue.length) await post(queue.shift()!);
      }),
    );
    ingestRate = (55 * 1000) / ((now() - ingestStart) / 1000);
    }

    // --- backlog: 100,000 queued events drained by one connection
    const B = 100_000;
    let backlogRate = NaN;
    let peakRss = NaN;
    if (enabled("backlog")) {
    log(`backlog: ${B} queued events, one connection`);
    const org2 = await newOrg("Backlog");
    const backlogConn = await createConnection(deps, org2, { name: "Backlog", url: receivers[0]!.url, auth: { type: "HMAC" } });
    await waitFor(async () => (await lag(org2.organizationId)) === 0, 30_000, "backlog streamer");
    await setEnabled(deps, org2, backlogConn.connection.id, false);
    const backlogEvents = events(B);
    for (let i = 0; i < B; i += 5000) await publishEvents(pool, org2.organizationId, backlogEvents.slice(i, i + 5000));
    await receivers[0]!.reset(false);
    peakRss = rssMb(worker.pid!);
    log(`worker RSS before the backlog: ${peakRss.toFixed(0)} MB`);
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssMb(worker.pid!))), 100);
    await setEnabled(deps, org2, backlogConn.connection.id, true);
    await waitFor(async () => (await receivers[0]!.stats()).count >= B, 600_000, "backlog drain");
    clearInterval(sampler);
    const bStats = await receivers[0]!.stats();
    backlogRate = B / ((bStats.lastAt - bStats.firstAt) / 1000);
    await setEnabled(deps, org2, backlogConn.connection.id, false);
    }

    // --- throughput: 3 connections (none, HMAC, API key), one event per POST
    const conns = [
      await createConnection(deps, main, { name: "Plain", url: receivers[0]!.url, auth: { type: "NONE" } }),
      await createConnection(deps, main, { name: "Signed", url: receivers[1]!.url, auth: { type: "HMAC" } }),
      await createConnection(deps, main, { name: "Keyed", url: receivers[2]!.url, auth: { type: "API_KEY", keys: [{ key: "DD-API-KEY", value: "bench-key-123456", add_to: "HEADER" }] } }),
    ];
    await waitFor(async () => (await lag(main.organizationId)) === 0, 30_000, "streamers to start");
    const N = 30_000;
    const throughputRound = async () => {
      await Promise.all(receivers.map((r) => r.reset(false)));
      const batch = events(N);
      for (let i = 0; i < N; i += 1000) await publishEvents(pool, main.organizationId, batch.slice(i, i + 1000));
      await waitFor(async () => (await Promise.all(receivers.map((r) => r.stats()))).every((s) => s.count >= N), 300_000, "throughput deliveries");
      const tStats = await Promise.all(receivers.map((r) => r.stats()));
      const tSpan = Math.max(...tStats.map((s) => s.lastAt)) - Math.min(...tStats.map((s) => s.firstAt));
      return (3 * N) / (tSpan / 1000);
    };
    let throughput = NaN;
    const statsRounds: { on: number[]; off: number[] } = { on: [], off: [] };
    if (enabled("throughput")) {
      log(`throughput: ${N} events × 3 connections`);
      throughput = await throughputRound();
      statsRounds.on.push(throughput);
      // What the per-minute statistics and health upkeep cost: the same scenario on a worker started
      // with CONNECTION_STATS=off, alternating with it on (a restart each), same run. `--no-stats-cost` skips it.
      if (!process.argv.includes("--no-stats-cost")) {
        for (const stats of [false, true, false, true]) {
          await stopWorker(worker);
          worker = await startWorker(stats);
          await waitFor(async () => (await lag(main.organizationId)) === 0, 30_000, "streamers to start");
          const rate = await throughputRound();
          statsRounds[stats ? "on" : "off"].push(rate);
          log(`throughput with statistics ${stats ? "on" : "off"}: ${Math.round(rate)} deliveries/s`);
        }
      }
    }
    const median = (xs: number[]) => {
      if (xs.length === 0) return NaN;
      const v = [...xs].sort((a, b) => a - b);
      return (v[Math.floor((v.length - 1) / 2)]! + v[Math.ceil((v.length - 1) / 2)]!) / 2;
    };
    const statsCostPercent = statsRounds.off.length ? (1 - median(statsRounds.on) / median(statsRounds.off)) * 100 : NaN;

    // --- latency at a steady 200 events/s, commit → receiver
    const steady = async (seconds: number, measured: ReceiverProcess[]) => {
      await Promise.all(receivers.map((r) => r.reset(true)));
      const list = events(200 * seconds, "LATENCY_EVENT");
      const committed: Record<string, number> = {};
      const start = now();
      for (let i = 0; i < list.length; i++) {
        const due = start + i * 5;
        const wait = due - now();
        if (wait > 0) await sleep(wait);
        await publishEvents(pool, main.organizationId, [list[i]!]);
        committed[list[i]!.id] = now();
      }
      await waitFor(
        async () => (await Promise.all(measured.map((r) => r.stats()))).every((s) => Object.keys(s.arrivals).length >= list.length),
        60_000,
        "latency deliveries",
      );
      const lat: number[] = [];
      for (const r of measured) {
        const s = await r.stats();
        for (const [id, at] of Object.entries(s.arrivals)) if (committed[id]) lat.push(at - committed[id]);
      }
      return lat.sort((a, b) => a - b);
    };
    let p50 = NaN;
    let p99 = NaN;
    if (enabled("latency")) {
      log("latency: 200 events/s for 10 s, 3 healthy connections");
      const baseline = await steady(10, receivers);
      p50 = percentile(baseline, 50);
      p99 = percentile(baseline, 99);
    }

    let isoP99 = NaN;
    let baseHealthyP99 = NaN;
    if (enabled("isolation")) {
      // Alternating rounds; each condition's figure is the median of its rounds' p99, so one GC pause or
      // autovacuum pass in a round does not decide the comparison (single 10 s runs here ranged 0.7–1.8×).
      log("isolation: 4 × (8 s healthy, 8 s with one destination timing out)");
      const healthy = [receivers[0]!, receivers[1]!];
      const base: number[] = [];
      const iso: number[] = [];
      // Baseline: the third connection disabled. Isolation: it is enabled and its destination never answers.
      await receivers[2]!.mode("timeout");
      for (let round = 0; round < 4; round++) {
        await setEnabled(deps, main, conns[2]!.connection.id, false);
        base.push(percentile(await steady(8, healthy), 99));
        await setEnabled(deps, main, conns[2]!.connection.id, true);
        iso.push(percentile(await steady(8, healthy), 99));
      }
      isoP99 = median(iso);
      baseHealthyP99 = median(base);
      log(`isolation p99 per round: healthy-only ${base.map((x) => x.toFixed(1)).join(", ")} ms; with a dead destination ${iso.map((x) => x.toFixed(1)).join(", ")} ms`);
      await receivers[2]!.mode("ok");
    }
    for (const c of conns) await setEnabled(deps, main, c.connection.id, false);

    // --- the failed-deliveries list on 1,000,000 rows
    const failuresMs: Record<string, number> = {};
    const groupedMs: Record<string, number> = {};
    if (enabled("failures")) {
      // Four attempts per (connection, event): 250,000 events, each failed four times on one connection.
      log("failures: 1,000,000 failed attempts, first page per filter, by attempt and grouped by event");
      const org4 = await newOrg("Failures");
      const fc = await Promise.all(
        ["F1", "F2"].map((name) => createConnection(deps, org4, { name, url: receivers[1]!.url, auth: { type: "NONE" } })),
      );
      for (const c of fc) await setEnabled(deps, org4, c.connection.id, false);
      await pool.query(
        `INSERT INTO delivery_failures (organization_id, connection_id, event_seq, event_id, event_type, attempt, attempted_at,
                                        status_code, error, latency_ms, outcome)
         SELECT $1, CASE WHEN i % 2 = 0 THEN $2::uuid ELSE $3::uuid END, (i - 1) / 8, md5('event ' || (i - 1) / 8)::uuid,
                CASE WHEN (i - 1) / 8 % 7 = 0 THEN 'ACCESS_GRANTED' ELSE 'USER_LOGGED_IN' END, 1 + (i - 1) / 2 % 4,
                now() - make_interval(secs => i * 2),
                CASE i % 3 WHEN 0 THEN 500 WHEN 1 THEN 404 ELSE NULL END, CASE WHEN i % 3 = 2 THEN 'timeout' END, 12,
                'RETRYING'
         FROM generate_series(1, 1000000) AS i`,
        [org4.organizationId, fc[0]!.connection.id, fc[1]!.connection.id],
      );
      await pool.query("ANALYZE delivery_failures");
      const cases: [string, Record<string, string>][] = [
        ["unfiltered", {}],
        ["connection", { connection_id: fc[0]!.connection.id }],
        ["5xx", { status_class: "5xx" }],
        ["event type", { event_type: "ACCESS_GRANTED" }],
      ];
      for (const [label, params] of cases) {
        const times: number[] = [];
        for (let i = 0; i < 5; i++) {
          const start = now();
          await listFailures(pool, org4.organizationId, parseFailuresQuery(params));
          times.push(now() - start);
        }
        failuresMs[label] = +percentile(times.sort((x, y) => x - y), 50).toFixed(1);
        const grouped: number[] = [];
        for (let i = 0; i < 5; i++) {
          const start = now();
          const page = await listFailureGroups(pool, org4.organizationId, parseFailuresQuery({ ...params, group: "event" }));
          grouped.push(now() - start);
          if (page.data.length === 0 || page.data.some((g) => g.attempts < 1)) throw new Error(`grouped failures (${label}) returned no groups`);
        }
        groupedMs[label] = +percentile(grouped.sort((x, y) => x - y), 50).toFixed(1);
      }
    }

    // --- a connection page with a 7-day chart over 10 million delivered events (per-minute statistics)
    const chartMs: Record<string, number> = {};
    if (enabled("chart")) {
      log("chart: 7 days of per-minute statistics, 10,080,000 delivered events; the connection page and the stats API");
      const { port } = await startWeb();
      // An organization whose admin signs in to the page, and whose token reads the API.
      const org6 = await prisma.organization.create({ data: { name: "Chart" } });
      const owner = await prisma.user.create({
        data: { organizationId: org6.id, email: "chart@example.com", name: "Chart Admin", role: "ADMIN", passwordHash: await hashPassword("bench password 123") },
      });
      const { token: chartToken } = await createApiToken(prisma, { organizationId: org6.id, userId: owner.id, name: "chart" });
      const principal6: Principal = { organizationId: org6.id, user: { id: owner.id, email: owner.email, name: owner.name }, ipAddress: "127.0.0.1", userAgent: "bench" };
      const cc = await createConnection(deps, principal6, { name: "Charted", url: receivers[0]!.url, auth: { type: "NONE" } });
      await setEnabled(deps, principal6, cc.connection.id, false);
      await pool.query(
        `INSERT INTO connection_stats (connection_id, minute, organization_id, delivered, failed, latency_buckets)
         SELECT $1, date_trunc('minute', now()) - make_interval(mins => m), $2, 1000, m % 97,
                ARRAY(SELECT CASE WHEN b BETWEEN 4 AND 12 THEN (m * b) % 300 ELSE 0 END FROM generate_series(0, 28) AS b)
         FROM generate_series(0, 7 * 1440 - 1) AS m`,
        [cc.connection.id, org6.id],
      );
      await pool.query("ANALYZE connection_stats");
      const timed = async (label: string, run: () => Promise<void>) => {
        const times: number[] = [];
        for (let i = 0; i < 7; i++) {
          const start = now();
          await run();
          times.push(now() - start);
        }
        chartMs[label] = +percentile(times.slice(2).sort((x, y) => x - y), 50).toFixed(1);
      };
      await timed("stats query", async () => {
        const stats = await connectionStats(pool, org6.id, cc.connection.id, "7d");
        const delivered = stats.buckets.reduce((n, b) => n + b.delivered, 0);
        if (delivered < 10_000_000) throw new Error(`the 7-day chart counted ${delivered} deliveries`);
      });
      await timed("GET /stats?window=7d", async () => {
        const res = await request(`http://127.0.0.1:${port}/api/v1/connections/${cc.connection.id}/stats?window=7d`, { headers: { authorization: `Bearer ${chartToken}` } });
        if (res.statusCode !== 200) throw new Error(`stats answered ${res.statusCode}`);
        await res.body.text();
      });
      const cookie = await signInCookie(port, owner.email, "bench password 123");
      await timed("connection page ?window=7d", async () => {
        const res = await request(`http://127.0.0.1:${port}/settings/event-streaming/${cc.connection.id}?window=7d`, { headers: { cookie } });
        const html = await res.body.text();
        if (res.statusCode !== 200 || !html.includes("events delivered")) throw new Error(`the connection page answered ${res.statusCode}`);
      });
      log(`chart: ${JSON.stringify(chartMs)}`);
    }
    // --- redelivery: 10,000 given-up events sent again by the worker (one redelivery, HMAC-signed)
    let redeliveryRate = NaN;
    let redeliveryRequestMs = NaN;
    if (enabled("redelivery")) {
      const R = 10_000;
      log(`redelivery: ${R.toLocaleString("en-US")} given-up events`);
      const org5 = await newOrg("Redelivery");
      const rc = await createConnection(deps, org5, { name: "Redeliver", url: receivers[2]!.url, auth: { type: "HMAC" } });
      // The stream must not send these events itself: paused while they are written, then its cursor moved past them.
      await setEnabled(deps, org5, rc.connection.id, false);
      await publishEvents(pool, org5.organizationId, events(R, "REDELIVERED_EVENT"));
      await pool.query("UPDATE connections SET cursor = (SELECT max(seq) FROM events WHERE organization_id = $1) WHERE id = $2", [
        org5.organizationId,
        rc.connection.id,
      ]);
      await setEnabled(deps, org5, rc.connection.id, true);
      await pool.query(
        `INSERT INTO delivery_failures (organization_id, connection_id, event_seq, event_id, event_type, attempt, attempted_at, status_code, latency_ms, outcome)
         SELECT organization_id, $2, seq, id, event_type, 1, now() - interval '1 hour', 503, 10, 'GIVEN_UP' FROM events
         WHERE organization_id = $1 AND event_type = 'REDELIVERED_EVENT'`,
        [org5.organizationId, rc.connection.id],
      );
      const boss = new PgBoss({ connectionString: database.url });
      const requestStart = now();
      const requested = await requestRedelivery(pool, boss, org5, { connection_id: rc.connection.id });
      redeliveryRequestMs = now() - requestStart;
      const start = now();
      await waitFor(async () => (await getRedelivery(pool, org5.organizationId, requested.id))?.status === "COMPLETED", 300_000, "the redelivery");
      redeliveryRate = R / ((now() - start) / 1000);
      const done = (await getRedelivery(pool, org5.organizationId, requested.id))!;
      if (done.succeeded !== R) throw new Error(`redelivery sent ${done.succeeded} of ${R}`);
      log(`redelivery: request ${redeliveryRequestMs.toFixed(0)} ms, ${Math.round(redeliveryRate)} events/s (includes the worker's pick-up, polled every second)`);
    }

    // --- batched: one connection, JSON arrays of 500, a backlog drained with and without gzip; latency
    // at 200 events/s with a 200 ms linger; a batch of 1,000 holding one poison event.
    const batched: { plainRate: number; gzipRate: number; plainCpuUs: number; gzipCpuUs: number; p50: number; p99: number; poisonRequests: number; poisonDelivered: number; poisonRejected: number } = {
      plainRate: NaN,
      gzipRate: NaN,
      plainCpuUs: NaN,
      gzipCpuUs: NaN,
      p50: NaN,
      p99: NaN,
      poisonRequests: NaN,
      poisonDelivered: NaN,
      poisonRejected: NaN,
    };
    const BATCH_WAIT_MS = 200;
    if (enabled("batched")) {
      const NB = 200_000;
      const orgB = await newOrg("Batched");
      const bc = await createConnection(deps, orgB, {
        name: "Batched",
        url: receivers[0]!.url,
        auth: { type: "HMAC" },
        format: "JSON_ARRAY",
        batch: { max_events: 500, max_bytes: 5_000_000, max_wait_ms: BATCH_WAIT_MS },
      });
      await waitFor(async () => (await lag(orgB.organizationId)) === 0, 30_000, "the batched streamer");
      const drain = async (label: string) => {
        await setEnabled(deps, orgB, bc.connection.id, false);
        const list = events(NB, "BATCHED_EVENT");
        for (let i = 0; i < NB; i += 5000) await publishEvents(pool, orgB.organizationId, list.slice(i, i + 5000));
        await receivers[0]!.reset(false);
        const cpuBefore = cpuSeconds(worker.pid!);
        await setEnabled(deps, orgB, bc.connection.id, true);
        await waitFor(async () => (await receivers[0]!.stats()).count >= NB, 600_000, `${label} drain`);
        const cpu = cpuSeconds(worker.pid!) - cpuBefore;
        const st = await receivers[0]!.stats();
        const rate = NB / ((st.lastAt - st.firstAt) / 1000);
        log(`batched ${label}: ${Math.round(rate)} events/s in ${st.requests} requests, worker CPU ${((cpu / NB) * 1e6).toFixed(1)} µs/event`);
        return { rate, cpuUs: (cpu / NB) * 1e6 };
      };
      log(`batched: ${NB.toLocaleString("en-US")} queued events, JSON arrays of 500, one connection (HMAC)`);
      const plain = await drain("uncompressed");
      await updateConnection(deps, orgB, bc.connection.id, { compression: "GZIP" });
      const gz = await drain("gzip");
      batched.plainRate = plain.rate;
      batched.plainCpuUs = plain.cpuUs;
      batched.gzipRate = gz.rate;
      batched.gzipCpuUs = gz.cpuUs;
      await updateConnection(deps, orgB, bc.connection.id, { compression: "NONE" });

      log(`batched latency: 200 events/s for 10 s, linger ${BATCH_WAIT_MS} ms`);
      await receivers[0]!.reset(true);
      const list = events(2000, "BATCHED_LATENCY_EVENT");
      const committed: Record<string, number> = {};
      const start = now();
      for (let i = 0; i < list.length; i++) {
        const wait = start + i * 5 - now();
        if (wait > 0) await sleep(wait);
        await publishEvents(pool, orgB.organizationId, [list[i]!]);
        committed[list[i]!.id] = now();
      }
      await waitFor(async () => Object.keys((await receivers[0]!.stats()).arrivals).length >= list.length, 60_000, "batched latency deliveries");
      const arrivals = (await receivers[0]!.stats()).arrivals;
      const lat = list.map((e) => arrivals[e.id]! - committed[e.id]!).sort((a, b) => a - b);
      batched.p50 = percentile(lat, 50);
      batched.p99 = percentile(lat, 99);
      await setEnabled(deps, orgB, bc.connection.id, false);

      log("batched poison: a batch of 1,000 with one event the destination refuses");
      const orgP = await newOrg("Poison");
      await receivers[1]!.mode("poison");
      const pc = await createConnection(deps, orgP, {
        name: "Poison",
        url: receivers[1]!.url,
        auth: { type: "NONE" },
        format: "JSON_ARRAY",
        batch: { max_events: 1000, max_bytes: 5_000_000, max_wait_ms: 5_000 },
        event_filter: { include: ["POISON_BATCH_*"] },
      });
      await setEnabled(deps, orgP, pc.connection.id, false);
      const batch = events(1000, "POISON_BATCH_EVENT");
      batch[613] = { ...batch[613]!, data: { poison: true } };
      await publishEvents(pool, orgP.organizationId, batch);
      await receivers[1]!.reset(false);
      await setEnabled(deps, orgP, pc.connection.id, true);
      await waitFor(async () => (await lag(orgP.organizationId)) === 0, 120_000, "the poisoned batch");
      const ps = await receivers[1]!.stats();
      batched.poisonRequests = ps.requests;
      batched.poisonDelivered = ps.count;
      batched.poisonRejected = Number(
        (await pool.query<{ n: string }>("SELECT count(*)::text AS n FROM delivery_failures WHERE connection_id = $1 AND outcome = 'REJECTED'", [pc.connection.id])).rows[0]!.n,
      );
      log(`batched poison: ${ps.requests} requests (${ps.rejected} refused), ${ps.count} events delivered, ${batched.poisonRejected} listed REJECTED`);
      await receivers[1]!.mode("ok");
      await setEnabled(deps, orgP, pc.connection.id, false);
    }

    // --- tenants: 10,000 organizations × 3 connections, idle cost, spread latency, two workers
    const tenants: Record<string, number> = {};
    if (enabled("tenants")) {
      const ORGS = 10_000;
      log("tenants: idle worker with no tenant connections (15 s)");
      const idle = async (workers: ChildProcess[], seconds = 15) => {
        const cpu0 = workers.map((w) => cpuSeconds(w.pid!));
        const pg0 = postgresCpuSeconds(dir);
        const c0 = await commits(pool);
        const t0 = now();
        await sleep(seconds * 1000);
        const elapsed = (now() - t0) / 1000;
        const c1 = await commits(pool);
        return {
          workerCpu: workers.map((w, i) => ((cpuSeconds(w.pid!) - cpu0[i]!) / elapsed) * 100),
          pgCpu: ((postgresCpuSeconds(dir) - pg0) / elapsed) * 100,
          // Less the two reads of the counter itself.
          commits: (c1 - c0 - 2) / elapsed,
        };
      };
      const before = await idle([worker]);
      tenants.idle_cpu_0 = before.workerCpu[0]!;
      tenants.idle_pg_cpu_0 = before.pgCpu;
      tenants.idle_commits_0 = before.commits;

      log(`tenants: inserting ${ORGS.toLocaleString("en-US")} organizations × 3 connections`);
      const insertedAt = now();
      const orgIds = await insertTenants(pool, { organizations: ORGS, connectionsPerOrg: 3, url: receivers.map((r) => r.url) });
      const tenantConnections = ORGS * 3;
      const owned = async () => [...(await connectionsByHolder(pool)).values()].reduce((a, b) => a + b, 0);
      const enabledCount = async () => Number((await pool.query<{ n: string }>("SELECT count(*)::text AS n FROM connections WHERE enabled")).rows[0]!.n);

      log("tenants: a second worker joins");
      // From the moment the second worker is up (its heartbeat comes after its first tick) until the two share the slots.
      const second = await startWorker(true, 2);
      const joinStart = now();
      await waitFor(async () => {
        const holders = await slotHolders(pool);
        return holders.size === 2 && [...holders.values()].every((s) => s.length >= SLOT_COUNT / 2 - 2) && (await owned()) === (await enabledCount());
      }, 60_000, "two workers sharing the slots");
      tenants.join_ms = now() - joinStart;
      const byHolder = [...(await connectionsByHolder(pool)).values()];
      const total = byHolder.reduce((a, b) => a + b, 0);
      tenants.split_a = byHolder.length === 2 ? (byHolder[0]! / total) * 100 : NaN;
      tenants.split_b = 100 - tenants.split_a;

      // A bulk change is re-read by each tick for a minute (the updated_at window that catches a missed
      // notification); idle is measured once that has passed.
      const settle = insertedAt + 65_000 - now();
      if (settle > 0) {
        log(`tenants: waiting ${Math.round(settle / 1000)} s for the change window after the bulk insert`);
        await sleep(settle);
      }
      log(`tenants: idle with ${tenantConnections.toLocaleString("en-US")} connections and two workers (15 s)`);
      const after = await idle([worker, second]);
      tenants.idle_cpu_a = after.workerCpu[0]!;
      tenants.idle_cpu_b = after.workerCpu[1]!;
      tenants.idle_pg_cpu = after.pgCpu;
      tenants.idle_commits = after.commits;

      // 200 events/s, each to one of `orgs` (3 connections each): latencies commit → receiver.
      const spread = async (orgs: readonly string[], count: number, type: string) => {
        await Promise.all(receivers.map((r) => r.reset(true)));
        const list = events(count, type);
        const committed: Record<string, number> = {};
        const c0 = await commits(pool);
        const start = now();
        for (let i = 0; i < list.length; i++) {
          const wait = start + i * 5 - now();
          if (wait > 0) await sleep(wait);
          await publishEvents(pool, orgs[Math.floor(Math.random() * orgs.length)]!, [list[i]!]);
          committed[list[i]!.id] = now();
        }
        await waitFor(
          async () => (await Promise.all(receivers.map((r) => r.stats()))).every((s) => Object.keys(s.arrivals).length >= list.length),
          60_000,
          "spread deliveries",
        );
        const transactions = (await commits(pool)) - c0;
        const lat: number[] = [];
        // Where the tail is: p99 by second of publishing.
        const bySecond: number[][] = [];
        for (const r of receivers) {
          for (const [id, at] of Object.entries((await r.stats()).arrivals)) {
            if (!committed[id]) continue;
            lat.push(at - committed[id]);
            (bySecond[Math.floor((committed[id] - start) / 1000)] ??= []).push(at - committed[id]);
          }
        }
        lat.sort((a, b) => a - b);
        const seconds = bySecond.map((l) => Math.round(percentile(l.sort((a, b) => a - b), 99))).join(", ");
        log(`tenants: ${lat.length} deliveries, ${transactions} transactions (publishing included); p99 by second of publishing: ${seconds} ms`);
        return lat;
      };
      // The workers' first deliveries also warm up their code, sessions and sockets (and the
      // receivers'): 3 s to 1,000 other organizations first, reported on its own.
      const shuffled = [...orgIds].sort(() => Math.random() - 0.5);
      log("tenants: warm-up, 200 events/s for 3 s over 1,000 other organizations");
      const warmup = await spread(shuffled.slice(1000, 2000), 600, "TENANT_WARMUP");
      tenants.warmup_p99 = percentile(warmup, 99);
      log("tenants: 200 events/s for 10 s, each to one of 1,000 random organizations (3 connections each)");
      const lat = await spread(shuffled.slice(0, 1000), 2000, "TENANT_EVENT");
      tenants.spread_p50 = percentile(lat, 50);
      tenants.spread_p99 = percentile(lat, 99);
      tenants.rss_a = rssMb(worker.pid!);
      tenants.rss_b = rssMb(second.pid!);

      log("tenants: SIGKILL of the second worker");
      await receivers[0]!.reset(true);
      second.kill("SIGKILL");
      const killedAt = now();
      await waitFor(async () => {
        const holders = await slotHolders(pool);
        return holders.size === 1 && [...holders.values()][0]!.length === SLOT_COUNT;
      }, 30_000, "the takeover");
      tenants.takeover_ms = now() - killedAt;
      // And it streams them: one event to each of 200 organizations reaches its first connection.
      const probe = events(200, "TAKEOVER_EVENT");
      for (let i = 0; i < probe.length; i++) await publishEvents(pool, orgIds[i]!, [probe[i]!]);
      await waitFor(async () => Object.keys((await receivers[0]!.stats()).arrivals).length >= probe.length, 30_000, "deliveries after the takeover");
      tenants.after_takeover_ms = now() - killedAt;
      log(`tenants: ${JSON.stringify(Object.fromEntries(Object.entries(tenants).map(([k, v]) => [k, +v.toFixed(1)])))}`);
    }

    const failureTimes = Object.values(failuresMs);
    const worstFailuresMs = failureTimes.length ? Math.max(...failureTimes) : NaN;
    const groupedTimes = Object.values(groupedMs);
    const worstGroupedMs = groupedTimes.length ? Math.max(...groupedTimes) : NaN;
    const pageMs = chartMs["connection page ?window=7d"] ?? NaN;

    const results = {
      throughput_deliveries_per_s: Math.round(throughput),
      latency_p50_ms: +p50.toFixed(1),
      latency_p99_ms: +p99.toFixed(1),
      isolation_baseline_p99_ms: +baseHealthyP99.toFixed(1),
      isolation_p99_ms: +isoP99.toFixed(1),
      isolation_ratio: +(isoP99 / baseHealthyP99).toFixed(2),
      backlog_drain_per_s: Math.round(backlogRate),
      worker_peak_rss_mb: Math.round(peakRss),
      ingest_events_per_s: Math.round(ingestRate),
      failures_first_page_ms: failuresMs,
      failures_grouped_first_page_ms: groupedMs,
      stats_cost_percent: +statsCostPercent.toFixed(1),
      throughput_stats_on: statsRounds.on.map(Math.round),
      throughput_stats_off: statsRounds.off.map(Math.round),
      chart_7d_ms: chartMs,
      redelivery_request_ms: Math.round(redeliveryRequestMs),
      redelivery_events_per_s: Math.round(redeliveryRate),
      tenants: Object.fromEntries(Object.entries(tenants).map(([k, v]) => [k, +v.toFixed(1)])),
      batched_events_per_s: Math.round(batched.plainRate),
      batched_gzip_events_per_s: Math.round(batched.gzipRate),
      batched_worker_cpu_us_per_event: +batched.plainCpuUs.toFixed(1),
      batched_gzip_worker_cpu_us_per_event: +batched.gzipCpuUs.toFixed(1),
      batched_latency_p50_ms: +batched.p50.toFixed(1),
      batched_latency_p99_ms: +batched.p99.toFixed(1),
      batched_poison_requests: batched.poisonRequests,
      batched_poison_delivered: batched.poisonDelivered,
      batched_poison_rejected: batched.poisonRejected,
    };
    const rows: [string, string, string, boolean][] = [
      ["throughput (3 connections, 1 event/POST)", `${results.throughput_deliveries_per_s} deliveries/s`, "≥ 4,000/s", throughput >= 4000],
      ["latency p50 (200 events/s, commit → receiver)", `${results.latency_p50_ms} ms`, "≤ 20 ms", p50 <= 20],
      ["latency p99", `${results.latency_p99_ms} ms`, "≤ 100 ms", p99 <= 100],
      ["isolation: healthy p99, a dead destination (median of 4)", `${results.isolation_p99_ms} ms (${results.isolation_ratio}× of ${results.isolation_baseline_p99_ms} ms)`, "≤ 1.2×", isoP99 <= 1.2 * baseHealthyP99],
      ["backlog: 100,000 events, one connection", `${results.backlog_drain_per_s} events/s`, "≥ 3,000/s", backlogRate >= 3000],
      ["worker peak RSS during the backlog", `${results.worker_peak_rss_mb} MB`, "≤ 250 MB", peakRss <= 250],
      ["ingest: POST /api/v1/events, batches of 1,000", `${results.ingest_events_per_s} events/s`, "≥ 20,000/s", ingestRate >= 20000],
      ["failures list, first page of 1,000,000 (worst filter)", `${worstFailuresMs.toFixed(1)} ms`, "≤ 100 ms", worstFailuresMs <= 100],
      ["failures grouped by event, first page (worst filter)", `${worstGroupedMs.toFixed(1)} ms`, "≤ 100 ms", worstGroupedMs <= 100],
      [
        "stats upkeep: throughput cost (median on vs off)",
        `${statsCostPercent.toFixed(1)} % (${Math.round(median(statsRounds.on))} vs ${Math.round(median(statsRounds.off))}/s)`,
        "≤ 5 %",
        statsCostPercent <= 5,
      ],
      ["connection page, 7-day chart of 10,080,000 events", `${pageMs.toFixed(1)} ms`, "≤ 300 ms", pageMs <= 300],
      ["redelivery: request for 10,000 events (202)", `${results.redelivery_request_ms} ms`, "≤ 2,000 ms", redeliveryRequestMs <= 2000],
      ["redelivery: 10,000 events, one redelivery", `${results.redelivery_events_per_s} events/s`, "≥ 500/s", redeliveryRate >= 500],
      ["batched: JSON arrays of 500, one connection", `${results.batched_events_per_s} events/s`, "≥ 30,000/s", batched.plainRate >= 30_000],
      [
        "batched with gzip (worker CPU per event)",
        `${results.batched_gzip_events_per_s} events/s (${results.batched_gzip_worker_cpu_us_per_event} vs ${results.batched_worker_cpu_us_per_event} µs)`,
        "stated",
        Number.isFinite(batched.gzipRate),
      ],
      [
        `batched latency p99 at 200 events/s (linger ${BATCH_WAIT_MS} ms)`,
        `${results.batched_latency_p99_ms} ms (p50 ${results.batched_latency_p50_ms})`,
        `≤ ${BATCH_WAIT_MS + 50} ms`,
        batched.p99 <= BATCH_WAIT_MS + 50,
      ],
      [
        "batched: 1,000 with one poison event",
        `${results.batched_poison_delivered} delivered, ${results.batched_poison_rejected} rejected, ${results.batched_poison_requests} requests`,
        "999, 1, ≤ 20",
        batched.poisonDelivered === 999 && batched.poisonRejected === 1 && batched.poisonRequests <= 20,
      ],
      ["tenants: idle worker CPU, no connections", `${pct(tenants.idle_cpu_0)} (PostgreSQL ${pct(tenants.idle_pg_cpu_0)})`, "≤ 3 %", tenants.idle_cpu_0! <= 3],
      ["tenants: idle commits/s, no connections", `${fixed(tenants.idle_commits_0)}/s`, "≤ 20/s", tenants.idle_commits_0! <= 20],
      [
        "tenants: idle worker CPU, 30,000 connections, 2 workers",
        `${pct(tenants.idle_cpu_a)} + ${pct(tenants.idle_cpu_b)} (PostgreSQL ${pct(tenants.idle_pg_cpu)})`,
        "≤ 3 % each",
        Math.max(tenants.idle_cpu_a!, tenants.idle_cpu_b!) <= 3,
      ],
      ["tenants: idle commits/s, 30,000 connections, 2 workers", `${fixed(tenants.idle_commits)}/s`, "≤ 20/s", tenants.idle_commits! <= 20],
      ["tenants: p50 at 200 events/s over 1,000 organizations", `${fixed(tenants.spread_p50)} ms`, "", true],
      ["tenants: p99 at 200 events/s over 1,000 organizations", `${fixed(tenants.spread_p99)} ms`, "≤ 100 ms", tenants.spread_p99! <= 100],
      ["tenants: p99, the workers' first 3 s (warm-up)", `${fixed(tenants.warmup_p99)} ms`, "", true],
      [
        "tenants: ownership split, two workers",
        `${fixed(tenants.split_a)} % / ${fixed(tenants.split_b)} % (joined in ${fixed(tenants.join_ms! / 1000)} s)`,
        "45–55 %",
        tenants.split_a! >= 45 && tenants.split_a! <= 55,
      ],
      ["tenants: takeover after SIGKILL of a worker", `${fixed(tenants.takeover_ms)} ms`, "≤ 5,000 ms", tenants.takeover_ms! <= 5000],
      ["tenants: worker RSS, 15,000 connections each", `${fixed(tenants.rss_a)} + ${fixed(tenants.rss_b)} MB`, "≤ 400 MB", Math.max(tenants.rss_a!, tenants.rss_b!) <= 400],
    ];
    console.log(`\nTributary benchmark — ${os.cpus().length} CPUs, Node ${process.version}, ${new Date().toISOString()}\n`);
    console.log(`${"scenario".padEnd(58)}${"measured".padEnd(34)}${"target".padEnd(12)}met`);
    for (const [name, value, target, ok] of rows) if (!value.includes("NaN")) console.log(`${name.padEnd(58)}${value.padEnd(34)}${target.padEnd(12)}${ok ? "yes" : "NO"}`);
    console.log(`\n${JSON.stringify(results)}`);
    await prisma.$disconnect();
    await pool.end();
    await deps.http.close();
  } finally {
    await stopAll();
  }
}

/** Signs in through next-auth's credentials flow, as the login form does; returns the session cookie. */
async function signInCookie(port: number, email: string, password: string): Promise<string> {
  const base = `http://127.0.0.1:${port}`;
  const jar = new Map<string, string>();
  const keep = (headers: Record<string, string | string[] | undefined>) => {
    const set = headers["set-cookie"];
    for (const c of Array.isArray(set) ? set : set ? [set] : []) {
      const [pair] = c.split(";");
      const i = pair!.indexOf("=");
      jar.set(pair!.slice(0, i), pair!.slice(i + 1));
    }
  };
  const cookie = () => [...jar].map(([k, v]) => `${k}=${v}`).join("; ");
  const csrf = await request(`${base}/api/auth/csrf`);
  keep(csrf.headers);
  const { csrfToken } = (await csrf.body.json()) as { csrfToken: string };
  const res = await request(`${base}/api/auth/callback/credentials`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: cookie() },
    body: new URLSearchParams({ csrfToken, email, password, callbackUrl: `${base}/`, json: "true" }).toString(),
  });
  keep(res.headers);
  await res.body.text();
  if (![...jar.keys()].some((k) => k.includes("session-token"))) throw new Error(`bench: signing in as ${email} failed (${res.statusCode})`);
  return cookie();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
