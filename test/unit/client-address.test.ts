import { describe, expect, it } from "vitest";
import { normaliseAddress, resolveClientAddress } from "../../lib/api/client-address";

describe("resolveClientAddress", () => {
  it("uses the socket's peer and ignores X-Forwarded-For when no proxy is trusted", () => {
    expect(resolveClientAddress("198.51.100.7", "1.2.3.4", 0)).toBe("198.51.100.7");
    expect(resolveClientAddress("::ffff:198.51.100.7", "1.2.3.4, 5.6.7.8", 0)).toBe("198.51.100.7");
    expect(resolveClientAddress("198.51.100.7", undefined, 0)).toBe("198.51.100.7");
  });

  it("with one trusted proxy takes the entry that proxy appended, never what the client wrote before it", () => {
    // The client sent "X-Forwarded-For: 1.2.3.4"; the proxy (10.0.0.2) appended the address it saw.
    expect(resolveClientAddress("10.0.0.2", "1.2.3.4, 203.0.113.9", 1)).toBe("203.0.113.9");
    expect(resolveClientAddress("10.0.0.2", "203.0.113.9", 1)).toBe("203.0.113.9");
  });

  it("walks as many hops as are trusted", () => {
    expect(resolveClientAddress("10.0.0.3", "1.2.3.4, 203.0.113.9, 10.0.0.2", 2)).toBe("203.0.113.9");
    expect(resolveClientAddress("10.0.0.3", ["1.2.3.4, 203.0.113.9", "10.0.0.2"], 2)).toBe("203.0.113.9");
  });

  it("stops at the last believable address when the chain is shorter than the hops or an entry is not an IP", () => {
    expect(resolveClientAddress("10.0.0.2", undefined, 1)).toBe("10.0.0.2");
    expect(resolveClientAddress("10.0.0.3", "203.0.113.9", 3)).toBe("203.0.113.9");
    expect(resolveClientAddress("10.0.0.2", "1.2.3.4, not-an-ip", 1)).toBe("10.0.0.2");
  });

  it("reads ports and brackets the way proxies write them", () => {
    expect(resolveClientAddress("10.0.0.2", "203.0.113.9:51234", 1)).toBe("203.0.113.9");
    expect(resolveClientAddress("10.0.0.2", "[2001:db8::1]:443", 1)).toBe("2001:db8::1");
    expect(normaliseAddress("  2001:DB8::1 ")).toBe("2001:db8::1");
    expect(normaliseAddress("evil.example")).toBeNull();
  });

  it("has no address without a socket", () => {
    expect(resolveClientAddress(undefined, "1.2.3.4", 0)).toBeNull();
  });
});
