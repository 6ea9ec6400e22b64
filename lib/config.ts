import path from "node:path";
import { z } from "zod";

// The only module that reads process.env. Everything else receives a Config.

const emptyToUndefined = (v: unknown) => (typeof v === "string" && v.trim() === "" ? undefined : v);
const optionalString = z.preprocess(emptyToUndefined, z.string().optional());
const intFrom = (def: number, min: number, max: number) =>
  z.preprocess(emptyToUndefined, z.coerce.number().int().min(min).max(max).default(def));

// An origin a browser accepts in CSP frame-ancestors: scheme, host (optionally *.-prefixed), optional port.
const FRAME_ANCESTOR = /^https?:\/\/(\*\.)?[a-z0-9-]+(\.[a-z0-9-]+)*(:\d{1,5})?$/i;

const schema = z
  .object({
    NODE_ENV: z.preprocess(emptyToUndefined, z.enum(["development", "production", "test"]).default("production")),
    PORT: intFrom(3000, 1, 65535),
    APP_URL: z.preprocess(emptyToUndefined, z.url({ protocol: /^https?$/ }).optional()),
    DATABASE_URL: z.preprocess(
      emptyToUndefined,
      z
        .string()
        .regex(/^postgres(ql)?:\/\//, "must be a postgres:// or postgresql:// URL")
        .optional(),
    ),
    DATA_DIR: z.preprocess(emptyToUndefined, z.string().default("./.data")),
    EMBEDDED_POSTGRES_PORT: intFrom(54329, 1, 65535),
    ENCRYPTION_KEY: z.preprocess(
      emptyToUndefined,
      z
        .string()
        .refine((v) => Buffer.from(v, "base64").length === 32, "must be 32 bytes, base64 encoded (openssl rand -base64 32)")
        .optional(),
    ),
    AUTH_SECRET: z.preprocess(emptyToUndefined, z.string().min(32, "must be at least 32 characters").optional()),
    SMTP_URL: z.preprocess(emptyToUndefined, z.string().regex(/^smtps?:\/\//, "must be an smtp:// or smtps:// URL").optional()),
    SMTP_REQUIRE_TLS: z.preprocess(
      (v) => (typeof v === "string" ? emptyToUndefined(v.trim().toLowerCase()) : v),
      z.enum(["true", "false"], { message: "must be true or false" }).optional(),
    ),
    EMAIL_FROM: z.preprocess(emptyToUndefined, z.string().default("Tributary <tributary@localhost>")),
    OUTBOUND_ALLOW_CIDRS: optionalString,
    BOOTSTRAP_ADMIN_EMAIL: z.preprocess(emptyToUndefined, z.email().optional()),
    BOOTSTRAP_ADMIN_PASSWORD: optionalString,
    BOOTSTRAP_API_TOKEN: optionalString,
    OPERATOR_API_TOKEN: z.preprocess(
      emptyToUndefined,
      z
        .string()
        .min(32, "must be at least 32 characters (openssl rand -base64 32)")
        .max(256, "must be at most 256 characters")
        .regex(/^[A-Za-z0-9._~+/=-]+$/, "may only contain letters, digits and . _ ~ + / = -")
        .optional(),
    ),
    MAX_CONNECTIONS_PER_ORG: intFrom(3, 1, 1000),
    LOG_LEVEL: z.preprocess(
      emptyToUndefined,
      z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
    ),
    LOGIN_MAX_ATTEMPTS_PER_EMAIL: intFrom(10, 1, 100000),
    LOGIN_MAX_ATTEMPTS_PER_IP: intFrom(50, 1, 100000),
    LOGIN_RATE_WINDOW_SECONDS: intFrom(900, 1, 86400),
    STREAM_MAX_IN_FLIGHT: intFrom(8, 1, 256),
    STREAM_BATCH_SIZE: intFrom(500, 1, 10000),
    DELIVERY_CONNECT_TIMEOUT_MS: intFrom(5000, 100, 120000),
    DELIVERY_TIMEOUT_MS: intFrom(10000, 100, 300000),
    RETRY_BASE_DELAY_MS: intFrom(1000, 1, 3600000),
    RETRY_MAX_DELAY_MS: intFrom(300000, 1, 86400000),
    RETRY_HORIZON_SECONDS: intFrom(86400, 1, 30 * 86400),
    DIGEST_CRON: z.preprocess(
      emptyToUndefined,
      z
        .string()
        .regex(/^\S+( \S+){4}$/, "must be a five-field cron expression in UTC, e.g. 0 9 * * *")
        .default("0 9 * * *"),
    ),
    AUTO_DISABLE_WINDOW_MINUTES: intFrom(15, 1, 1440),
    AUTO_DISABLE_MIN_ATTEMPTS: intFrom(50, 1, 1000000),
    AUTO_DISABLE_FAILURE_PERCENT: intFrom(90, 1, 100),
    AUTO_DISABLE_OUTAGE_MINUTES: intFrom(360, 1, 30 * 1440),
    AUTO_DISABLE_OUTAGE_MIN_ATTEMPTS: intFrom(5, 1, 1000000),
    TRUST_PROXY_HOPS: intFrom(0, 0, 10),
    SETUP_TOKEN: z.preprocess(emptyToUndefined, z.string().min(16, "must be at least 16 characters").max(256).optional()),
    API_RATE_LIMIT: intFrom(600, 1, 10_000_000),
    INGEST_RATE_LIMIT: intFrom(120_000, 1, 10_000_000),
    TRIBUTARY_ROLE: z.preprocess(
      (v) => (typeof v === "string" ? emptyToUndefined(v.trim().toLowerCase()) : v),
      z.enum(["all", "web", "worker"], { message: "must be all, web or worker" }).default("all"),
    ),
    PORTAL_FRAME_ANCESTORS: z.preprocess(
      emptyToUndefined,
      z
        .string()
        .refine(
          (v) => v.split(/\s+/).filter(Boolean).every((o) => FRAME_ANCESTOR.test(o)),
          "must be space-separated origins such as https://app.example.com or https://*.example.com",
        )
        .optional(),
    ),
    HEALTH_WARNING_MINUTES: intFrom(60, 1, 30 * 1440),
    CONNECTION_STATS: z.preprocess(emptyToUndefined, z.enum(["on", "off"], { error: "must be on or off" }).default("on")),
  })
  .superRefine((env, ctx) => {
    if (Boolean(env.BOOTSTRAP_ADMIN_EMAIL) !== Boolean(env.BOOTSTRAP_ADMIN_PASSWORD)) {
      ctx.addIssue({
        code: "custom",
        path: ["BOOTSTRAP_ADMIN_PASSWORD"],
        message: "set BOOTSTRAP_ADMIN_EMAIL and BOOTSTRAP_ADMIN_PASSWORD together",
      });
    }
    if (env.TRIBUTARY_ROLE !== "all" && !env.DATABASE_URL) {
      ctx.addIssue({
        code: "custom",
        path: ["TRIBUTARY_ROLE"],
        message: `${env.TRIBUTARY_ROLE} needs DATABASE_URL: a ${env.TRIBUTARY_ROLE} process joins the others on their PostgreSQL (the embedded one runs only with TRIBUTARY_ROLE=all)`,
      });
    }
    // Keys generated into one machine's DATA_DIR would differ from the next machine's.
    if (env.TRIBUTARY_ROLE !== "all" && !env.ENCRYPTION_KEY) {
      ctx.addIssue({
        code: "custom",
        path: ["ENCRYPTION_KEY"],
        message: `TRIBUTARY_ROLE=${env.TRIBUTARY_ROLE} needs ENCRYPTION_KEY, the same in every process (a secret one process sealed, another opens)`,
      });
    }
    if (env.TRIBUTARY_ROLE === "web" && !env.AUTH_SECRET) {
      ctx.addIssue({
        code: "custom",
        path: ["AUTH_SECRET"],
        message: "TRIBUTARY_ROLE=web needs AUTH_SECRET, the same in every web process (a session one signed, another checks)",
      });
    }
    if (env.BOOTSTRAP_API_TOKEN && !env.BOOTSTRAP_ADMIN_EMAIL) {
      ctx.addIssue({
        code: "custom",
        path: ["BOOTSTRAP_API_TOKEN"],
        message: "needs BOOTSTRAP_ADMIN_EMAIL and BOOTSTRAP_ADMIN_PASSWORD (the token belongs to that admin)",
      });
    }
  });

export type Config = Readonly<{
  nodeEnv: "development" | "production" | "test";
  port: number;
  appUrl: string;
  /** Set by the operator; undefined means the embedded PostgreSQL in dataDir. */
  databaseUrl: string | undefined;
  dataDir: string;
  embeddedPostgresPort: number;
  encryptionKey: string | undefined;
  authSecret: string | undefined;
  smtpUrl: string | undefined;
  /** An smtp:// server must upgrade with STARTTLS before anything is sent (smtps:// is TLS from the start). */
  smtpRequireTls: boolean;
  emailFrom: string;
  outboundAllowCidrs: readonly string[];
  bootstrap: Readonly<{ adminEmail?: string; adminPassword?: string; apiToken?: string }>;
  /** The host product's backend: manages organizations and may act on any of them. Unset → no operator API. */
  operatorApiToken: string | undefined;
  maxConnectionsPerOrg: number;
  /** When the daily failure digest is sent (cron, UTC). */
  digestCron: string;
  logLevel: string;
  login: Readonly<{ maxAttemptsPerEmail: number; maxAttemptsPerIp: number; windowSeconds: number }>;
  /** Reverse proxies in front whose X-Forwarded-For entries are believed; 0 → the socket's peer is the client. */
  trustProxyHops: number;
  /** The first-run page's secret, when the operator set one (otherwise start.ts generates one into dataDir). */
  setupToken: string | undefined;
  /** Requests per minute per API principal: everything but publishing, and publishing. */
  rateLimits: Readonly<{ apiPerMinute: number; ingestPerMinute: number }>;
  /** Origins allowed to embed the pages in an iframe (CSP frame-ancestors); empty → same origin only. */
  portalFrameAncestors: readonly string[];
  /** What `npm start` runs: the web app and a worker, or only one of them (then against DATABASE_URL). */
  role: "all" | "web" | "worker";
  delivery: Readonly<{
    /** Requests in flight per connection; 1 delivers in strict order. */
    maxInFlight: number;
    batchSize: number;
    connectTimeoutMs: number;
    timeoutMs: number;
    retryBaseDelayMs: number;
    retryMaxDelayMs: number;
    /** After this long retrying, an event is given up (it stays in the failed-deliveries list, redeliverable). */
    retryHorizonMs: number;
    /** Thresholds of the auto-disable policy (lib/delivery/auto-disable-policy.ts). */
    health: Readonly<{ windowMs: number; minSample: number; maxFailureRate: number; outageMs: number; outageMinAttempts: number }>;
  }>;
  /** When the admins of a failing connection are warned (lib/health/warning-policy.ts). */
  healthWarning: Readonly<{ afterMs: number; minAttempts: number }>;
  /** Per-minute statistics and health kept by the worker; off only to measure what they cost (bench). */
  connectionStats: boolean;
}>;

export class ConfigError extends Error {}

/** A mail server on this machine is reached without crossing a network, so TLS is not required by default. */
function isLoopbackUrl(url: string | undefined): boolean {
  if (!url) return true;
  let host: string;
  try {
    host = new URL(url).hostname.replace(/^\[(.*)\]$/, "$1").toLowerCase();
  } catch {
    return false;
  }
  return host === "localhost" || host.endsWith(".localhost") || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join("\n")}\nSee .env.example and the README's configuration table.`);
  }
  const e = parsed.data;
  const cidrs = (e.OUTBOUND_ALLOW_CIDRS ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  return Object.freeze({
    nodeEnv: e.NODE_ENV,
    port: e.PORT,
    appUrl: (e.APP_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, ""),
    databaseUrl: e.DATABASE_URL,
    dataDir: path.resolve(e.DATA_DIR),
    embeddedPostgresPort: e.EMBEDDED_POSTGRES_PORT,
    encryptionKey: e.ENCRYPTION_KEY,
    authSecret: e.AUTH_SECRET,
    smtpUrl: e.SMTP_URL,
    smtpRequireTls: e.SMTP_REQUIRE_TLS ? e.SMTP_REQUIRE_TLS === "true" : !isLoopbackUrl(e.SMTP_URL),
    emailFrom: e.EMAIL_FROM,
    outboundAllowCidrs: Object.freeze(cidrs),
    bootstrap: Object.freeze({
      adminEmail: e.BOOTSTRAP_ADMIN_EMAIL?.toLowerCase(),
      adminPassword: e.BOOTSTRAP_ADMIN_PASSWORD,
      apiToken: e.BOOTSTRAP_API_TOKEN,
    }),
    operatorApiToken: e.OPERATOR_API_TOKEN,
    maxConnectionsPerOrg: e.MAX_CONNECTIONS_PER_ORG,
    digestCron: e.DIGEST_CRON,
    logLevel: e.LOG_LEVEL,
    login: Object.freeze({
      maxAttemptsPerEmail: e.LOGIN_MAX_ATTEMPTS_PER_EMAIL,
      maxAttemptsPerIp: e.LOGIN_MAX_ATTEMPTS_PER_IP,
      windowSeconds: e.LOGIN_RATE_WINDOW_SECONDS,
    }),
    trustProxyHops: e.TRUST_PROXY_HOPS,
    setupToken: e.SETUP_TOKEN,
    rateLimits: Object.freeze({ apiPerMinute: e.API_RATE_LIMIT, ingestPerMinute: e.INGEST_RATE_LIMIT }),
    portalFrameAncestors: Object.freeze((e.PORTAL_FRAME_ANCESTORS ?? "").split(/\s+/).filter(Boolean)),
    role: e.TRIBUTARY_ROLE,
    delivery: Object.freeze({
      maxInFlight: e.STREAM_MAX_IN_FLIGHT,
      batchSize: e.STREAM_BATCH_SIZE,
      connectTimeoutMs: e.DELIVERY_CONNECT_TIMEOUT_MS,
      timeoutMs: e.DELIVERY_TIMEOUT_MS,
      retryBaseDelayMs: e.RETRY_BASE_DELAY_MS,
      retryMaxDelayMs: e.RETRY_MAX_DELAY_MS,
      retryHorizonMs: e.RETRY_HORIZON_SECONDS * 1000,
      health: Object.freeze({
        windowMs: e.AUTO_DISABLE_WINDOW_MINUTES * 60_000,
        minSample: e.AUTO_DISABLE_MIN_ATTEMPTS,
        maxFailureRate: e.AUTO_DISABLE_FAILURE_PERCENT / 100,
        outageMs: e.AUTO_DISABLE_OUTAGE_MINUTES * 60_000,
        outageMinAttempts: e.AUTO_DISABLE_OUTAGE_MIN_ATTEMPTS,
      }),
    }),
    healthWarning: Object.freeze({ afterMs: e.HEALTH_WARNING_MINUTES * 60_000, minAttempts: e.AUTO_DISABLE_OUTAGE_MIN_ATTEMPTS }),
    connectionStats: e.CONNECTION_STATS === "on",
  });
}

let cached: Config | undefined;

/** The process's configuration, parsed once. */
export function getConfig(): Config {
  cached ??= loadConfig();
  return cached;
}
