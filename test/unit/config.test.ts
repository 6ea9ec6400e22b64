import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../lib/config";

const KEY = Buffer.alloc(32, 7).toString("base64");

describe("loadConfig", () => {
  it("applies the documented defaults", () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      port: 3000,
      appUrl: "http://localhost:3000",
      databaseUrl: undefined,
      dataDir: path.resolve(".data"),
      maxConnectionsPerOrg: 3,
      outboundAllowCidrs: [],
      smtpUrl: undefined,
    });
  });

  it("applies the documented defaults of the hardening settings", () => {
    expect(loadConfig({})).toMatchObject({
      trustProxyHops: 0,
      setupToken: undefined,
      rateLimits: { apiPerMinute: 600, ingestPerMinute: 120_000 },
      portalFrameAncestors: [],
    });
    expect(loadConfig({ PORTAL_FRAME_ANCESTORS: " https://a.example  https://*.b.example:8443 " }).portalFrameAncestors).toEqual([
      "https://a.example",
      "https://*.b.example:8443",
    ]);
  });

  it("runs the web app and a worker unless told to run one of them against DATABASE_URL", () => {
    expect(loadConfig({}).role).toBe("all");
    expect(loadConfig({ TRIBUTARY_ROLE: " Worker ", DATABASE_URL: "postgres://db/t", ENCRYPTION_KEY: KEY }).role).toBe("worker");
    expect(loadConfig({ TRIBUTARY_ROLE: "web", DATABASE_URL: "postgres://db/t", ENCRYPTION_KEY: KEY, AUTH_SECRET: "s".repeat(32) }).role).toBe("web");
    expect(loadConfig({ TRIBUTARY_ROLE: "" }).role).toBe("all");
  });

  it("warns of a failing connection after HEALTH_WARNING_MINUTES and keeps statistics unless CONNECTION_STATS=off", () => {
    expect(loadConfig({}).healthWarning).toEqual({ afterMs: 60 * 60_000, minAttempts: 5 });
    expect(loadConfig({}).connectionStats).toBe(true);
    const c = loadConfig({ HEALTH_WARNING_MINUTES: "15", AUTO_DISABLE_OUTAGE_MIN_ATTEMPTS: "3", CONNECTION_STATS: "off" });
    expect(c.healthWarning).toEqual({ afterMs: 15 * 60_000, minAttempts: 3 });
    expect(c.connectionStats).toBe(false);
  });

  it("is frozen", () => {
    const c = loadConfig({});
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.outboundAllowCidrs)).toBe(true);
  });

  it("parses lists and numbers, and treats empty strings as unset", () => {
    const c = loadConfig({ PORT: "8080", OUTBOUND_ALLOW_CIDRS: "127.0.0.0/8, ::1/128,", MAX_CONNECTIONS_PER_ORG: "5", SMTP_URL: "" });
    expect(c.port).toBe(8080);
    expect(c.appUrl).toBe("http://localhost:8080");
    expect(c.outboundAllowCidrs).toEqual(["127.0.0.0/8", "::1/128"]);
    expect(c.maxConnectionsPerOrg).toBe(5);
    expect(c.smtpUrl).toBeUndefined();
  });

  it.each([
    [{ PORT: "0" }, /PORT/],
    [{ PORT: "abc" }, /PORT/],
    [{ DATABASE_URL: "mysql://x" }, /DATABASE_URL: must be a postgres/],
    [{ ENCRYPTION_KEY: "c2hvcnQ=" }, /ENCRYPTION_KEY: must be 32 bytes/],
    [{ SMTP_URL: "http://mail" }, /SMTP_URL/],
    [{ SMTP_REQUIRE_TLS: "maybe" }, /SMTP_REQUIRE_TLS: must be true or false/],
    [{ HEALTH_WARNING_MINUTES: "0" }, /HEALTH_WARNING_MINUTES/],
    [{ CONNECTION_STATS: "maybe" }, /CONNECTION_STATS: must be on or off/],
    [{ BOOTSTRAP_ADMIN_EMAIL: "not-an-email", BOOTSTRAP_ADMIN_PASSWORD: "x" }, /BOOTSTRAP_ADMIN_EMAIL/],
    [{ TRUST_PROXY_HOPS: "-1" }, /TRUST_PROXY_HOPS/],
    [{ SETUP_TOKEN: "short" }, /SETUP_TOKEN: must be at least 16 characters/],
    [{ API_RATE_LIMIT: "0" }, /API_RATE_LIMIT/],
    [{ PORTAL_FRAME_ANCESTORS: "https://app.example.com *" }, /PORTAL_FRAME_ANCESTORS: must be space-separated origins/],
    [{ PORTAL_FRAME_ANCESTORS: "https://app.example.com/path" }, /PORTAL_FRAME_ANCESTORS/],
    [{ PORTAL_FRAME_ANCESTORS: "'none'" }, /PORTAL_FRAME_ANCESTORS/],
    [{ TRIBUTARY_ROLE: "scheduler", DATABASE_URL: "postgres://db/t" }, /TRIBUTARY_ROLE: must be all, web or worker/],
    [{ TRIBUTARY_ROLE: "worker" }, /TRIBUTARY_ROLE: worker needs DATABASE_URL/],
    [{ TRIBUTARY_ROLE: "web" }, /TRIBUTARY_ROLE: web needs DATABASE_URL/],
    [{ TRIBUTARY_ROLE: "worker", DATABASE_URL: "postgres://db/t" }, /ENCRYPTION_KEY: TRIBUTARY_ROLE=worker needs ENCRYPTION_KEY/],
    [{ TRIBUTARY_ROLE: "web", DATABASE_URL: "postgres://db/t", ENCRYPTION_KEY: KEY }, /AUTH_SECRET: TRIBUTARY_ROLE=web needs AUTH_SECRET/],
  ])("explains invalid values: %j", (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it.each([
    ["smtp://mail.example.com:587", undefined, true],
    ["smtp://user:pw@10.0.0.5:25", undefined, true],
    ["smtps://mail.example.com", undefined, true],
    ["smtp://127.0.0.1:2525", undefined, false],
    ["smtp://localhost:25", undefined, false],
    ["smtp://[::1]:25", undefined, false],
    ["smtp://mail.example.com:587", "false", false],
    ["smtp://localhost:25", "TRUE", true],
  ])("requires TLS for %s (SMTP_REQUIRE_TLS=%s): %s", (url, explicit, required) => {
    expect(loadConfig({ SMTP_URL: url, SMTP_REQUIRE_TLS: explicit }).smtpRequireTls).toBe(required);
  });
});
