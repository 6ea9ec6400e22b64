import crypto from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import nodemailer, { type Transporter } from "nodemailer";
import type { Logger } from "pino";
import type { Config } from "../config";

export type Mail = { to: string | string[]; subject: string; text: string; html: string };
export type SentMail = { messageId: string; transport: "smtp" | "outbox"; file?: string };
export type Mailer = { send: (mail: Mail) => Promise<SentMail>; close: () => void };

type MailerConfig = Pick<Config, "smtpUrl" | "smtpRequireTls" | "emailFrom" | "dataDir">;

/**
 * SMTP_URL → that server (with SMTP_REQUIRE_TLS, an smtp:// server must upgrade with STARTTLS or
 * nothing is sent). Unset → each message is written as an .eml file (0600) to DATA_DIR/outbox and
 * logged, so nothing is lost on a machine without a mail server and a new user can read it.
 */
export function createMailer(config: MailerConfig, logger: Logger): Mailer {
  return config.smtpUrl ? smtpMailer(config.smtpUrl, config, logger) : outboxMailer(config, logger);
}

function smtpMailer(url: string, config: MailerConfig, logger: Logger): Mailer {
  const parsed = new URL(url);
  // nodemailer reads options from the URL's query (and ignores ones passed beside a URL).
  if (config.smtpRequireTls) parsed.searchParams.set("requireTLS", "true");
  const transport: Transporter = nodemailer.createTransport(parsed.toString());
  const server = `${parsed.hostname}:${parsed.port || (parsed.protocol === "smtps:" ? 465 : 587)}`;
  return {
    async send(mail) {
      let info;
      try {
        info = await transport.sendMail({ from: config.emailFrom, ...mail });
      } catch (err) {
        if ((err as { code?: string }).code === "ETLS" && config.smtpRequireTls) {
          throw new Error(
            `The SMTP server ${server} did not upgrade the connection with STARTTLS, and SMTP_REQUIRE_TLS is on, so nothing was sent in clear text. ` +
              `Use an smtps:// URL or a server that offers STARTTLS, or set SMTP_REQUIRE_TLS=false for a server on a network you trust.`,
            { cause: err },
          );
        }
        throw err;
      }
      logger.info({ to: mail.to, subject: mail.subject, messageId: info.messageId }, "email sent");
      return { messageId: info.messageId, transport: "smtp" };
    },
    close: () => transport.close(),
  };
}

function outboxMailer(config: MailerConfig, logger: Logger): Mailer {
  const outbox = path.join(config.dataDir, "outbox");
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: "unix" });
  let prepared: Promise<void> | null = null;
  // Emails hold links and addresses: only the owner may read them (an older outbox is tightened too).
  const prepare = () => (prepared ??= fs.mkdir(outbox, { recursive: true, mode: 0o700 }).then(() => fs.chmod(outbox, 0o700)));
  return {
    async send(mail) {
      const info = await transport.sendMail({ from: config.emailFrom, ...mail });
      const stamp = new Date().toISOString().replace(/[:.]/g, "-");
      const name = `${stamp}-${crypto.randomBytes(4).toString("hex")}.eml`;
      const file = path.join(outbox, name);
      // Written beside, then renamed: a full disk leaves no half-written .eml behind, only an error.
      const partial = path.join(outbox, `.${name}.partial`);
      try {
        await prepare().catch((err) => {
          prepared = null;
          throw err;
        });
        await fs.writeFile(partial, info.message as Buffer, { mode: 0o600, flag: "wx" });
        await fs.rename(partial, file);
      } catch (err) {
        await fs.rm(partial, { force: true }).catch(() => undefined);
        const e = err as NodeJS.ErrnoException;
        throw new Error(
          `Could not write the email "${mail.subject}" to ${outbox} (${e.code ?? "error"}: ${e.message})${e.code === "ENOSPC" ? ": the disk is full" : ""}. It will be tried again.`,
          { cause: err },
        );
      }
      logger.info({ to: mail.to, subject: mail.subject, file }, "email written to outbox (SMTP_URL is not set)");
      return { messageId: info.messageId, transport: "outbox", file };
    },
    close: () => undefined,
  };
}
