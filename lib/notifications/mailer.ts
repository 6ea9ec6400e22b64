import crypto from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import nodemailer, { type Transporter } from "nodemailer";
import type { Logger } from "pino";
import type { Config } from "../config";

export type Mail = { to: string | string[]; subject: string; text: string; html: string };
export type SentMail = { messageId: string; transport: "smtp" | "outbox"; file?: string };
export type Mailer = { send: (mail: Mail) => Promise<SentMail>; close: () => void };

/**
 * SMTP_URL → that server. Unset → each message is written as an .eml file to DATA_DIR/outbox and
 * logged, so nothing is lost on a machine without a mail server and a new user can read it.
 */
export function createMailer(config: Pick<Config, "smtpUrl" | "emailFrom" | "dataDir">, logger: Logger): Mailer {
  if (config.smtpUrl) {
    const transport: Transporter = nodemailer.createTransport(config.smtpUrl);
    return {
      async send(mail) {
        const info = await transport.sendMail({ from: config.emailFrom, ...mail });
        logger.info({ to: mail.to, subject: mail.subject, messageId: info.messageId }, "email sent");
        return { messageId: info.messageId, transport: "smtp" };
      },
      close: () => transport.close(),
    };
  }
  const outbox = path.join(config.dataDir, "outbox");
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: "unix" });
  return {
    async send(mail) {
      const info = await transport.sendMail({ from: config.emailFrom, ...mail });
      await fs.mkdir(outbox, { recursive: true });
      const stamp = new Date().toISOString().replace(/[:.]/g, "-");
      const file = path.join(outbox, `${stamp}-${crypto.randomBytes(4).toString("hex")}.eml`);
      await fs.writeFile(file, info.message as Buffer);
      logger.info({ to: mail.to, subject: mail.subject, file }, "email written to outbox (SMTP_URL is not set)");
      return { messageId: info.messageId, transport: "outbox", file };
    },
    close: () => undefined,
  };
}
