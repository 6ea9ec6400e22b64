import PgBoss from "pg-boss";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { autoDisable, loadAutoDisabledNotice } from "../../lib/delivery/auto-disable";
import { autoDisabledEmailJob } from "../../lib/jobs/definitions/auto-disabled-email";
import { autoDisabledEmail } from "../../lib/notifications/auto-disabled-email";
import { createMailer } from "../../lib/notifications/mailer";
import { createTestDatabase, type TestDatabase } from "../helpers/db";
import { startReceiver, type Receiver } from "../helpers/receiver";
import { startSmtpSink } from "../helpers/smtp-sink";
import { streamingFixture, waitUntil } from "../helpers/streaming";

let t: TestDatabase;
let f: Awaited<ReturnType<typeof streamingFixture>>;
let boss: PgBoss;
const receivers: Receiver[] = [];

beforeEach(async () => {
  t = await createTestDatabase();
  f = await streamingFixture(t, {
    AUTO_DISABLE_MIN_ATTEMPTS: "5",
    AUTO_DISABLE_FAILURE_PERCENT: "80",
    RETRY_BASE_DELAY_MS: "10",
    RETRY_MAX_DELAY_MS: "40",
  });
  boss = new PgBoss({ connectionString: t.url });
  boss.on("error", () => undefined);
  await boss.start();
  await boss.createQueue(autoDisabledEmailJob.name);
});
afterEach(async () => {
  await f.close();
  await boss.stop({ graceful: false, wait: true });
  await Promise.all(receivers.splice(0).map((r) => r.close()));
  await t.drop();
});

const jobs = async () => (await t.db.$queryRaw<{ n: bigint }[]>`SELECT count(*) AS n FROM pgboss.job WHERE name = ${autoDisabledEmailJob.name}`)[0]!.n;

describe("auto-disable", () => {
  it("disables a connection whose deliveries keep failing, once, with the numbers and an audit event", async () => {
    const r = await startReceiver();
    receivers.push(r);
    const { id } = await f.connect(r);
    r.respondWith({ status: 500, body: "down" });
    await f.startWorker({}, undefined, { onUnhealthy: async (connectionId, verdict) => void (await autoDisable(f.pool, boss, connectionId, verdict)) });
    await f.publish(f.events(20));
    await waitUntil(async () => !(await t.db.connection.findUniqueOrThrow({ where: { id } })).enabled, 15_000, "auto-disable");

    const c = await t.db.connection.findUniqueOrThrow({ where: { id } });
    expect(c).toMatchObject({ disabledReason: "AUTO", disabledById: null });
    expect(c.disabledDetails).toMatchObject({ rule: "FAILURE_RATE", attempts: 5, failures: 5, failureRate: 1 });
    const audit = await t.db.event.findMany({ where: { eventType: "EVENT_STREAM_CONNECTIONS_AUTO_DISABLED" } });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ severity: "ALERT", data: expect.objectContaining({ connection_id: id, rule: "FAILURE_RATE" }) });
    expect(await jobs()).toBe(1n);
    // The streamer stops: no more attempts reach the destination.
    const attempts = r.requests.length;
    await new Promise((res) => setTimeout(res, 700));
    expect(r.requests.length).toBe(attempts);
  });

  it("disables exactly once when several workers trip at the same time", async () => {
    const r = await startReceiver();
    receivers.push(r);
    const { id } = await f.connect(r);
    const verdict = {
      disable: true as const,
      rule: "SUSTAINED_OUTAGE" as const,
      summary: "Every delivery failed for 360 minutes (80 attempts without a success).",
      numbers: { attempts: 3, failures: 3, timeouts: 0, failureRate: 1, windowMinutes: 15, failingForMinutes: 360 },
    };
    const results = await Promise.all([1, 2, 3, 4].map(() => autoDisable(f.pool, boss, id, verdict)));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await jobs()).toBe(1n);
    expect(await t.db.event.count({ where: { eventType: "EVENT_STREAM_CONNECTIONS_AUTO_DISABLED" } })).toBe(1);
  });

  it("emails every admin of the organization, in HTML and plain text", async () => {
    const r = await startReceiver();
    receivers.push(r);
    const { id } = await f.connect(r, { type: "NONE" }, "Datadog prod");
    await t.db.user.create({ data: { organizationId: f.principal.organizationId, email: "second-admin@example.com", name: "B", role: "ADMIN", passwordHash: "x" } });
    await t.db.user.create({ data: { organizationId: f.principal.organizationId, email: "member@example.com", name: "M", role: "MEMBER", passwordHash: "x" } });
    const verdict = {
      disable: true as const,
      rule: "FAILURE_RATE" as const,
      summary: "96% of 120 deliveries failed in the last 15 minutes (80 error answers or network errors, 35 timeouts).",
      numbers: { attempts: 120, failures: 115, timeouts: 35, failureRate: 0.958, windowMinutes: 15, failingForMinutes: 20 },
    };
    await autoDisable(f.pool, boss, id, verdict);
    const [job] = await boss.fetch<{ connectionId: string; disabledAt: string }>(autoDisabledEmailJob.name);
    const loaded = await loadAutoDisabledNotice(f.pool, job!.data);

    const smtp = await startSmtpSink();
    const mailer = createMailer({ smtpUrl: smtp.url, smtpRequireTls: false, emailFrom: "t@example.com", dataDir: "/nonexistent" }, pino({ level: "silent" }));
    await mailer.send(autoDisabledEmail({ ...loaded!.notice, appUrl: "https://tributary.example" }, loaded!.to));
    mailer.close();
    await smtp.close();

    expect(smtp.received).toHaveLength(1);
    expect(smtp.received[0]!.to.sort()).toEqual([f.principal.user.email, "second-admin@example.com"].sort());
    expect(smtp.received[0]!.raw).toContain("Subject: Event streaming: 'Datadog prod' was disabled because deliveries kept failing");
    expect(smtp.received[0]!.raw).toContain("96% of 120 deliveries failed");
    // With the connection's health, as on its page: paused, and what waits.
    expect(smtp.received[0]!.raw).toContain("Status: Paused");
    expect(smtp.received[0]!.raw).toMatch(/Waiting to be sent: (none|1 event,|\d+ events)/);
    expect(smtp.received[0]!.raw).toContain(`https://tributary.example/settings/event-streaming/${id}`);
    expect(smtp.received[0]!.raw).toContain("Content-Type: text/html");
    expect(smtp.received[0]!.raw).toContain("Content-Type: text/plain");
    // Both parts point to the connection's failed deliveries, where rejected and given-up events can be redelivered.
    const mail = autoDisabledEmail({ ...loaded!.notice, appUrl: "https://tributary.example" }, loaded!.to);
    expect(mail.text).toContain(`https://tributary.example/settings/event-streaming/failures?connection_id=${id}`);
    expect(mail.html).toContain(`href="https://tributary.example/settings/event-streaming/failures?connection_id=${id}"`);
  });
});
