import crypto from "node:crypto";
import { describe, expect, it } from "vitest";
import { hashApiToken } from "../../lib/auth/api-tokens";
import { hashPassword, verifyPassword } from "../../lib/auth/password";
import { createSecretBox, isLegacySealed, secretHint } from "../../lib/crypto/secret-box";
import { apiKeyContext, hmacSecretContext } from "../../lib/crypto/secret-context";
import { sealV1 as sealLegacyV1 } from "../helpers/legacy-seal";

describe("password hashing", () => {
  it("verifies the right password and rejects a wrong one", async () => {
    const hash = await hashPassword("correct horse battery");
    expect(hash.startsWith("scrypt$32768$8$1$")).toBe(true);
    expect(await verifyPassword("correct horse battery", hash)).toBe(true);
    expect(await verifyPassword("correct horse batterz", hash)).toBe(false);
  });

  it("salts every hash", async () => {
    expect(await hashPassword("same password here")).not.toBe(await hashPassword("same password here"));
  });

  it("rejects malformed stored hashes instead of throwing", async () => {
    expect(await verifyPassword("x", "plain-text")).toBe(false);
    expect(await verifyPassword("x", "md5$abc")).toBe(false);
  });
});

describe("secret box (AES-256-GCM)", () => {
  const key = crypto.randomBytes(32);
  const box = createSecretBox(key);
  const here = apiKeyContext("5b1f6a2e-0000-4000-8000-000000000001", 0);

  const sealV1 = (plain: string) => sealLegacyV1(key, plain);

  it("round-trips and never contains the plain text", () => {
    const sealed = box.seal("dd-api-key-123456", here);
    expect(sealed).not.toContain("dd-api-key");
    expect(sealed.startsWith("v2.")).toBe(true);
    expect(box.open(sealed, here)).toBe("dd-api-key-123456");
  });

  it("uses a fresh IV each time", () => {
    expect(box.seal("x", here)).not.toBe(box.seal("x", here));
  });

  it("detects tampering and a wrong key", () => {
    const sealed = box.seal("secret", here);
    const parts = sealed.split(".");
    parts[3] = Buffer.from("tampered").toString("base64url");
    expect(() => box.open(parts.join("."), here)).toThrow(/could not be decrypted/);
    expect(() => createSecretBox(crypto.randomBytes(32)).open(sealed, here)).toThrow(/could not be decrypted/);
  });

  it("does not open a ciphertext under another row's context (moved to another connection, position or table)", () => {
    const sealed = box.seal("dd-api-key-123456", here);
    expect(() => box.open(sealed, apiKeyContext("5b1f6a2e-0000-4000-8000-000000000002", 0))).toThrow(/could not be decrypted/);
    expect(() => box.open(sealed, apiKeyContext("5b1f6a2e-0000-4000-8000-000000000001", 1))).toThrow(/could not be decrypted/);
    expect(() => box.open(sealed, hmacSecretContext("5b1f6a2e-0000-4000-8000-000000000001", "0"))).toThrow(/could not be decrypted/);
  });

  it("refuses a truncated authentication tag (GCM would otherwise check only the bytes given)", () => {
    for (const sealed of [box.seal("secret", here), sealV1("secret")]) {
      const parts = sealed.split(".");
      parts[2] = Buffer.from(parts[2]!, "base64url").subarray(0, 4).toString("base64url");
      expect(() => box.open(parts.join("."), here)).toThrow(/could not be decrypted/);
    }
  });

  it("still opens values sealed before ciphertexts were bound to their rows, and says they are legacy", () => {
    const old = sealV1("hmac-secret-from-last-year");
    expect(isLegacySealed(old)).toBe(true);
    expect(box.open(old, here)).toBe("hmac-secret-from-last-year");
    expect(isLegacySealed(box.seal("x", here))).toBe(false);
  });

  it("shows only the last four characters as a hint", () => {
    expect(secretHint("abcdefghijkl")).toBe("••••ijkl");
    expect(secretHint("short")).toBe("••••");
  });
});

describe("API token hashing", () => {
  it("is a stable SHA-256 hex digest", () => {
    expect(hashApiToken("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });
});
