import pino, { type Logger } from "pino";
import { getConfig } from "./config";

// Keys whose values must never reach a log line, wherever they appear in a logged object.
const SECRET_KEYS = [
  "password",
  "passwordHash",
  "secret",
  "token",
  "apiToken",
  "authorization",
  "Authorization",
  "value",
  "hmac_secret",
  "encryptionKey",
  "authSecret",
  "smtpUrl",
  "databaseUrl",
];

export const REDACT_PATHS = [...SECRET_KEYS, ...SECRET_KEYS.map((k) => `*.${k}`), ...SECRET_KEYS.map((k) => `*.*.${k}`)];

export function createLogger(name: string, level = getConfig().logLevel): Logger {
  return pino({
    name,
    level,
    base: { pid: process.pid, service: name },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACT_PATHS, censor: "[redacted]" },
  });
}

let root: Logger | undefined;
export function log(): Logger {
  root ??= createLogger("tributary");
  return root;
}
