import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMailer } from "../../lib/notifications/mailer";
import { startSmtpSink } from "../helpers/smtp-sink";

const logger = pino({ level: "silent" });
let smtp: Awaited<ReturnType<typeof startSmtpSink>>;

beforeAll(async () => {
  smtp = await startSmtpSink();
});
afterAll(() => smtp.close());

describe("mailer", () => {
  it("delivers HTML and text to a real SMTP server when SMTP_URL is set", async () => {
    const mailer = createMailer({ smtpUrl: smtp.url, smtpRequireTls: false, emailFrom: "Tributary <t@example.com>", dataDir: "/nonexistent" }, logger);
    const sent = await mailer.send({ to: ["a@example.com", "b@example.com"], subject: "Event streaming: test", text: "plain body", html: "<p>html body</p>" });
    mailer.close();
    expect(sent.transport).toBe("smtp");
    const mail = smtp.received.at(-1)!;
    expect(mail.from).toBe("t@example.com");
    expect(mail.to).toEqual(["a@example.com", "b@example.com"]);
    expect(mail.raw).toContain("Subject: Event streaming: test");
    expect(mail.raw).toContain("plain body");
    expect(mail.raw).toContain("<p>html body</p>");
  });

  it("writes an .eml file to DATA_DIR/outbox when SMTP_URL is unset", async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "tributary-outbox-"));
    const mailer = createMailer({ smtpUrl: undefined, smtpRequireTls: false, emailFrom: "t@example.com", dataDir }, logger);
    const sent = await mailer.send({ to: "a@example.com", subject: "Outbox check", text: "hello", html: "<b>hello</b>" });
    expect(sent.transport).toBe("outbox");
    expect(path.dirname(sent.file!)).toBe(path.join(dataDir, "outbox"));
    const eml = fs.readFileSync(sent.file!, "utf8");
    expect(eml).toContain("Subject: Outbox check");
    expect(eml).toContain("To: a@example.com");
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it("writes the outbox folder 0700 and each .eml 0600, tightening an outbox an older release left open", async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "tributary-outbox-"));
    fs.mkdirSync(path.join(dataDir, "outbox"), { mode: 0o755 });
    fs.chmodSync(path.join(dataDir, "outbox"), 0o755);
    const mailer = createMailer({ smtpUrl: undefined, smtpRequireTls: false, emailFrom: "t@example.com", dataDir }, logger);
    const sent = await mailer.send({ to: "a@example.com", subject: "Private", text: "link", html: "<a>link</a>" });
    expect(fs.statSync(path.join(dataDir, "outbox")).mode & 0o777).toBe(0o700);
    expect(fs.statSync(sent.file!).mode & 0o777).toBe(0o600);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it("rejects when the SMTP server is unreachable, so callers can retry", async () => {
    const mailer = createMailer({ smtpUrl: "smtp://127.0.0.1:1", smtpRequireTls: false, emailFrom: "t@example.com", dataDir: "/nonexistent" }, logger);
    await expect(mailer.send({ to: "a@example.com", subject: "x", text: "x", html: "x" })).rejects.toThrow();
    mailer.close();
  });
});

describe("mailer with SMTP_REQUIRE_TLS", () => {
  // The loopback sink's certificate is self-signed; the URL says to accept it (nodemailer reads tls.* from the query).
  const trustSelfSigned = "tls.rejectUnauthorized=false";

  it("refuses to send through a server that offers no STARTTLS, with a message naming the setting", async () => {
    const plain = await startSmtpSink();
    const mailer = createMailer({ smtpUrl: `${plain.url}/?${trustSelfSigned}`, smtpRequireTls: true, emailFrom: "t@example.com", dataDir: "/nonexistent" }, logger);
    await expect(mailer.send({ to: "a@example.com", subject: "Must not leak", text: "secret link", html: "secret link" })).rejects.toThrow(
      /did not upgrade the connection with STARTTLS, and SMTP_REQUIRE_TLS is on/,
    );
    mailer.close();
    expect(plain.received).toEqual([]);
    await plain.close();
  });

  it("upgrades with STARTTLS before sending when the server offers it", async () => {
    const tls = await startSmtpSink({ starttls: true });
    const mailer = createMailer({ smtpUrl: `${tls.url}/?${trustSelfSigned}`, smtpRequireTls: true, emailFrom: "t@example.com", dataDir: "/nonexistent" }, logger);
    await mailer.send({ to: "a@example.com", subject: "Over TLS", text: "hello", html: "<p>hello</p>" });
    mailer.close();
    expect(tls.received).toHaveLength(1);
    expect(tls.received[0]).toMatchObject({ to: ["a@example.com"], secure: true });
    await tls.close();
  });
});
