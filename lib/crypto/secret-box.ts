import crypto from "node:crypto";
import type { Config } from "../config";
import { localSecret } from "./local-secrets";

// AES-256-GCM for secrets at rest: "v2.<iv>.<tag>.<ciphertext>", each part base64url, with a 16-byte
// tag and the row the secret belongs to as associated data (lib/crypto/secret-context.ts), so a
// ciphertext copied into another row, connection or table does not open. "v1." values (no
// associated data) still open; `npm start` seals them again as v2 (lib/connections/reseal-secrets.ts).
const VERSION = "v2";
const LEGACY = "v1";
const TAG_BYTES = 16;

export type SecretBox = {
  seal: (plain: string, context: string) => string;
  open: (sealed: string, context: string) => string;
};

/** True for a value sealed before ciphertexts were bound to their rows. */
export const isLegacySealed = (sealed: string) => sealed.startsWith(`${LEGACY}.`);

const unreadable = () =>
  new Error(
    "A stored secret could not be decrypted: ENCRYPTION_KEY (or DATA_DIR/keys/encryption-key) is not the one it was sealed with, or the value was altered or copied from another row.",
  );

export function createSecretBox(key: Buffer): SecretBox {
  if (key.length !== 32) throw new Error("The encryption key must be 32 bytes.");
  return {
    seal(plain, context) {
      const iv = crypto.randomBytes(12);
      const cipher = crypto.createCipheriv("aes-256-gcm", key, iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(Buffer.from(context, "utf8"));
      const body = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
      return [VERSION, iv.toString("base64url"), cipher.getAuthTag().toString("base64url"), body.toString("base64url")].join(".");
    },
    open(sealed, context) {
      const [version, iv, tag, body, extra] = sealed.split(".");
      if ((version !== VERSION && version !== LEGACY) || !iv || !tag || body === undefined || extra !== undefined) throw new Error("Not a sealed secret.");
      const tagBytes = Buffer.from(tag, "base64url");
      // Without this check GCM accepts a tag cut to 4 bytes, which is far easier to forge.
      if (tagBytes.length !== TAG_BYTES) throw unreadable();
      try {
        const decipher = crypto.createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64url"), { authTagLength: TAG_BYTES });
        if (version === VERSION) decipher.setAAD(Buffer.from(context, "utf8"));
        decipher.setAuthTag(tagBytes);
        return Buffer.concat([decipher.update(Buffer.from(body, "base64url")), decipher.final()]).toString("utf8");
      } catch {
        throw unreadable();
      }
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
