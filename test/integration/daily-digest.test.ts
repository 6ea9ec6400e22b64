import pino from "pino";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { sendDailyDigests } from "../../lib/notifications/daily-digest";
import { createMailer } from "../../lib/notifications/mailer";
import { createTestDatabase, type TestDatabase } from "../helpers/db";
import { startReceiver, type Receiver } from "../helpers/receiver";
import { startSmtpSink } from "../helpers/smtp-sink";
import { streamingFixture } from "../helpers/streaming";

const HOUR = 3600_000;
let t: TestDatabase;
let f: Awaited<ReturnType<typeof streamingFixture>>;
let r: Receiver;
let smtp: Awaited<ReturnType<typeof startSmtpSink>>;

beforeAll(async () => {
  smtp = await startSmtpSink();
});
afterAll(() => smtp.close());
beforeEach(async () => {
  smtp.received.length = 0;
  t = await createTestDatabase();
  f = await streamingFixture(t);
  r = await startReceiver();
});
afterEach(async () => {
  await f.close();
  await r.close();
  await t.drop();
});

const mailer = () => createMailer({ smtpUrl: smtp.url, smtpRequireTls: false, emailFrom: "t@example.com", dataDir: "/nonexistent" }, pino({ level: "silent" }));

async function fail(connectionId: string, eventSeq: number, hoursAgo: number, status: number | null, error: string | null = null) {
  await t.db.deliveryFailure.create({
    data: {
      organizationId: f.principal.organizationId,
      connectionId,
      eventSeq: BigInt(eventSeq),
      eventId: crypto.randomUUID(),
      eventType: "X",
      attempt: 1,
      attemptedAt: new Date(Date.now() - hoursAgo * HOUR),
      statusCode: status,
      error,
      latencyMs: 5,
      outcome: "RETRYING",
    },
  });
}

describe("the daily digest", () => {
  it("emails every admin once, with per-connection counts and top errors of the last 24 hours", async () => {
    const { id } = await f.connect(r, { type: "NONE" }, "Datadog prod");
    await t.db.user.create({ data: { organizationId: f.principal.organizationId, email: "b-admin@example.com", name: "B", role: "ADMIN", passwordHash: "x" } });
    for (let seq = 1; seq <= 42; seq++) await fail(id, seq, 2, 500);
    await fail(id, 1, 3, 500); // a second attempt of the same event
    await fail(id, 43, 1, null, "Timed out connecting after 5000 ms.");
    await fail(id, 44, 30, 503); // older than 24 hours: not counted

    const m = mailer();
    expect(await sendDailyDigests(f.pool, m, "https://tributary.example")).toBe(1);
    expect(await sendDailyDigests(f.pool, m, "https://tributary.example")).toBe(0);
    m.close();
    expect(smtp.received).toHaveLength(1);
    const mail = smtp.received[0]!;
    expect(mail.to.sort()).toEqual(["b-admin@example.com", f.principal.user.email].sort());
    expect(mail.raw).toContain("Subject: Event streaming: 43 deliveries to 'Datadog prod' failed in the last 24 hours");
    expect(mail.raw).toContain("Datadog prod: 43 events failed (44 attempts)");
    expect(mail.raw).toContain("- HTTP 500: 43");
    expect(mail.raw).toContain("- Timed out connecting after 5000 ms.: 1");
    expect(mail.raw).not.toContain("HTTP 503");
    // The connection's health as the pages show it.
    expect(mail.raw).toMatch(/Status: (Healthy|Idle|Failing since )/);
    expect(mail.raw).toContain("Last successful delivery: ");
    expect(mail.raw).toMatch(/Waiting to be sent: (none|1 event,|\d+ events)/);
    expect(mail.raw).toContain(`https://tributary.example/settings/event-streaming/failures?connection_id=${id}&range=24h`);
  });

  it("sends nothing when nothing failed", async () => {
    const { id } = await f.connect(r);
    await fail(id, 1, 25, 500);
    const m = mailer();
    expect(await sendDailyDigests(f.pool, m, "https://tributary.example")).toBe(0);
    m.close();
    expect(smtp.received).toHaveLength(0);
  });

  it("sends once per organization per day even when workers run it at the same time", async () => {
    const { id } = await f.connect(r);
    await fail(id, 1, 1, 500);
    const m = mailer();
    const counts = await Promise.all([1, 2, 3].map(() => sendDailyDigests(f.pool, m, "https://tributary.example")));
    m.close();
    expect(counts.reduce((a, b) => a + b, 0)).toBe(1);
    expect(smtp.received).toHaveLength(1);
  });

  it("releases the claim when sending fails, so the job's retry sends it", async () => {
    const { id } = await f.connect(r);
    await fail(id, 1, 1, 500);
    const broken = createMailer({ smtpUrl: "smtp://127.0.0.1:1", smtpRequireTls: false, emailFrom: "t@example.com", dataDir: "/nonexistent" }, pino({ level: "silent" }));
    await expect(sendDailyDigests(f.pool, broken, "https://tributary.example")).rejects.toThrow();
    broken.close();
    const m = mailer();
    expect(await sendDailyDigests(f.pool, m, "https://tributary.example")).toBe(1);
    m.close();
  });
});
