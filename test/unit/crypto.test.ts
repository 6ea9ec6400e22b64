import crypto from "node:crypto";
import { describe, expect, it } from "vitest";
import { hashApiToken } from "../../lib/auth/api-tokens";
import { hashPassword, verifyPassword } from "../../lib/auth/password";
import { createSecretBox, secretHint } from "../../lib/crypto/secret-box";

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
  const box = createSecretBox(crypto.randomBytes(32));

  it("round-trips and never contains the plain text", () => {
    const sealed = box.seal("dd-api-key-123456");
    expect(sealed).not.toContain("dd-api-key");
    expect(box.open(sealed)).toBe("dd-api-key-123456");
  });

  it("uses a fresh IV each time", () => {
    expect(box.seal("x")).not.toBe(box.seal("x"));
  });

  it("detects tampering and a wrong key", () => {
    const sealed = box.seal("secret");
    const parts = sealed.split(".");
    parts[3] = Buffer.from("tampered").toString("base64url");
    expect(() => box.open(parts.join("."))).toThrow();
    expect(() => createSecretBox(crypto.randomBytes(32)).open(sealed)).toThrow();
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
