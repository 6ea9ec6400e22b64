import crypto from "node:crypto";
import pino from "pino";
import { createFirstAdmin } from "../../lib/auth/accounts";
import type { Principal } from "../../lib/auth/principal";
import { createConnection, type ServiceDeps } from "../../lib/connections/service";
import { createSecretBox } from "../../lib/crypto/secret-box";
import { createWorkerPool } from "../../lib/db/pool";
import { createHttpClient, type DeliveryHttpClient } from "../../lib/delivery/http-client";
import { MetricsCollector } from "../../lib/delivery/metrics";
import { parseAllowList } from "../../lib/delivery/outbound-guard";
import { StreamManager, type StreamManagerOptions } from "../../lib/delivery/stream-manager";
import type { StreamerDeps } from "../../lib/delivery/streamer";
import { wireEvent, type WireEvent } from "../../lib/events/envelope";
import { publishEvents } from "../../lib/events/publish";
import { testConfig } from "./config";
import type { TestDatabase } from "./db";
import type { Receiver } from "./receiver";

export const ENCRYPTION_KEY = crypto.randomBytes(32).toString("base64");

/** An organization with an admin, the connection service and a streaming setup, on a test database. */
export async function streamingFixture(t: TestDatabase, env: Record<string, string> = {}) {
  const config = testConfig({ OUTBOUND_ALLOW_CIDRS: "127.0.0.0/8", ENCRYPTION_KEY, ...env });
  const allow = parseAllowList(config.outboundAllowCidrs);
  const box = createSecretBox(Buffer.from(ENCRYPTION_KEY, "base64"));
  const clients: DeliveryHttpClient[] = [];
  const http = createHttpClient({ allow, connectTimeoutMs: config.delivery.connectTimeoutMs, responseTimeoutMs: config.delivery.timeoutMs });
  clients.push(http);
  const pool = createWorkerPool(t.url, 10);
  const admin = await createFirstAdmin(t.db, {
    organizationName: "Acme",
    name: "Ada Admin",
    email: `ada-${crypto.randomBytes(3).toString("hex")}@example.com`,
    password: "a long enough password",
    confirmPassword: "a long enough password",
  });
  const principal: Principal = {
    organizationId: admin.organizationId,
    user: { id: admin.userId, email: admin.email, name: "Ada Admin" },
    ipAddress: "203.0.113.7",
    userAgent: "vitest",
  };
  const deps: ServiceDeps = { db: t.db, pool, config, http, box, allow };
  const metrics = new MetricsCollector();
  const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" });
  const managers: StreamManager[] = [];

  return {
    config,
    deps,
    principal,
    pool,
    metrics,
    /** A connection to this receiver (its test event is the receiver's first request); `delivery`: format, batch, compression, filter… */
    async connect(receiver: Receiver, auth: unknown = { type: "NONE" }, name = "Receiver", delivery: Record<string, unknown> = {}) {
      const created = await createConnection(deps, principal, { name, url: receiver.url, auth, ...delivery });
      return { id: created.connection.id, hmacSecret: created.hmacSecret };
    },
    async startWorker(
      overrides: Partial<StreamerDeps["delivery"]> = {},
      now?: () => number,
      extra: Partial<StreamerDeps> = {},
      options: StreamManagerOptions = {},
    ) {
      const workerHttp = createHttpClient({ allow, connectTimeoutMs: config.delivery.connectTimeoutMs, responseTimeoutMs: config.delivery.timeoutMs });
      clients.push(workerHttp);
      const manager = new StreamManager(
        { pool, http: workerHttp, box, delivery: { ...config.delivery, ...overrides }, metrics, logger, databaseUrl: t.url, now, ...extra },
        { tickMs: 100, ...options },
      );
      await manager.start();
      managers.push(manager);
      return manager;
    },
    events(n: number, type = "USER_LOGGED_IN"): WireEvent[] {
      return Array.from({ length: n }, (_, i) => wireEvent({ eventType: type, actor: { email: `u${i}@example.com` }, data: { i } }));
    },
    publish(events: WireEvent[]) {
      return publishEvents(pool, principal.organizationId, events);
    },
    async close() {
      await Promise.all(managers.map((m) => m.stop()));
      await Promise.all(clients.map((c) => c.close()));
      await pool.end();
    },
  };
}

/** The streamed (non-test) events a receiver got, parsed. */
export function streamed(receiver: Receiver, type = "USER_LOGGED_IN") {
  return receiver.requests.filter((r) => (r.json as { event_type?: string })?.event_type === type);
}

export async function waitUntil(check: () => boolean | Promise<boolean>, timeoutMs = 15_000, what = "condition") {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
