import crypto from "node:crypto";
import type { Config } from "../config";
import { localSecret } from "./local-secrets";

// AES-256-GCM for secrets at rest: "v1.<iv>.<tag>.<ciphertext>", each part base64url.
const VERSION = "v1";

export type SecretBox = { seal: (plain: string) => string; open: (sealed: string) => string };

export function createSecretBox(key: Buffer): SecretBox {
  if (key.length !== 32) throw new Error("The encryption key must be 32 bytes.");
  return {
    seal(plain) {
      const iv = crypto.randomBytes(12);
      const cipher = crypto.createCipheriv("aes-256-gcm", key, iv);
      const body = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
      return [VERSION, iv, cipher.getAuthTag(), body].map((p) => (typeof p === "string" ? p : p.toString("base64url"))).join(".");
    },
    open(sealed) {
      const [version, iv, tag, body] = sealed.split(".");
      if (version !== VERSION || !iv || !tag || body === undefined) throw new Error("Not a sealed secret.");
      const decipher = crypto.createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64url"));
      decipher.setAuthTag(Buffer.from(tag, "base64url"));
      return Buffer.concat([decipher.update(Buffer.from(body, "base64url")), decipher.final()]).toString("utf8");
    },
  };
}

let cached: SecretBox | undefined;
export function secretBox(config: Config): SecretBox {
  cached ??= createSecretBox(
    config.encryptionKey ? Buffer.from(config.encryptionKey, "base64") : localSecret(config.dataDir, "encryption-key"),
  );
  return cached;
}

/** What the UI and API may show of a secret: its last four characters. */
export function secretHint(secret: string): string {
  return secret.length <= 8 ? "••••" : `••••${secret.slice(-4)}`;
}
