import { describe, expect, it } from "vitest";
import { checkDestination, parseAllowList, parseDestinationUrl, refusalReason } from "../../lib/delivery/outbound-guard";
import { AppError } from "../../lib/errors";

const none = parseAllowList([]);

describe("refusalReason without an allow list", () => {
  it.each([
    ["10.1.2.3", "private"],
    ["172.16.0.1", "private"],
    ["172.31.255.255", "private"],
    ["192.168.1.1", "private"],
    ["100.64.0.1", "carrierGradeNat"],
    ["100.127.255.255", "carrierGradeNat"],
    ["169.254.169.254", "linkLocal"],
    ["127.0.0.1", "loopback"],
    ["127.255.0.9", "loopback"],
    ["::1", "loopback"],
    ["fc00::1", "uniqueLocal"],
    ["fd12:3456::1", "uniqueLocal"],
    ["fe80::1", "linkLocal"],
    ["::ffff:10.0.0.1", "private"],
    ["::ffff:127.0.0.1", "loopback"],
    ["::ffff:169.254.169.254", "linkLocal"],
    ["0.0.0.0", "unspecified"],
    ["::", "unspecified"],
    ["224.0.0.1", "multicast"],
    ["ff02::1", "multicast"],
    ["255.255.255.255", "broadcast"],
    ["64:ff9b::a00:1", "rfc6052"],
    ["2002:a00:1::", "6to4"],
  ])("refuses %s as %s", (address, range) => {
    expect(refusalReason(address, none)).toBe(range);
  });

  it.each(["8.8.8.8", "172.32.0.1", "1.1.1.1", "2606:4700::1111", "2a00:1450:4001:80b::200e", "::ffff:8.8.8.8"])(
    "allows the public address %s",
    (address) => {
      expect(refusalReason(address, none)).toBeNull();
    },
  );

  it("refuses what is not an IP address", () => {
    expect(refusalReason("example.com", none)).toBe("not an IP address");
    expect(refusalReason("", none)).toBe("not an IP address");
  });
});

describe("refusalReason with OUTBOUND_ALLOW_CIDRS", () => {
  const allow = parseAllowList(["127.0.0.0/8", "::1/128", "10.1.0.0/16"]);

  it.each(["127.0.0.1", "127.9.9.9", "::1", "10.1.2.3", "::ffff:127.0.0.1", "::ffff:10.1.200.1"])("allows %s inside a listed range", (address) => {
    expect(refusalReason(address, allow)).toBeNull();
  });

  it.each([
    ["10.2.0.1", "private"],
    ["192.168.0.1", "private"],
    ["169.254.169.254", "linkLocal"],
    ["fe80::1", "linkLocal"],
    ["::ffff:10.2.0.1", "private"],
  ])("still refuses %s outside the listed ranges", (address, range) => {
    expect(refusalReason(address, allow)).toBe(range);
  });

  it("does not let an IPv4 range admit an IPv6 address or the reverse", () => {
    expect(refusalReason("fc00::1", parseAllowList(["10.0.0.0/8"]))).toBe("uniqueLocal");
    expect(refusalReason("10.0.0.1", parseAllowList(["fc00::/7"]))).toBe("private");
  });

  it("rejects a malformed CIDR with the variable's name", () => {
    expect(() => parseAllowList(["127.0.0.1"])).toThrow(/OUTBOUND_ALLOW_CIDRS: "127.0.0.1"/);
    expect(() => parseAllowList(["10.0.0.0/33"])).toThrow(/OUTBOUND_ALLOW_CIDRS/);
  });
});

describe("destination URLs", () => {
  it.each([
    ["ftp://example.com/x", /Only http/],
    ["not a url", /full URL/],
    ["https://user:pw@example.com/", /credentials/],
  ])("rejects %s as a validation error", (raw, message) => {
    const err = (() => {
      try {
        parseDestinationUrl(raw);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe("VALIDATION_FAILED");
    expect((err as AppError).message).toMatch(message);
  });

  // WHATWG URL parsing normalises these spellings of 127.0.0.1 before the guard sees them.
  it.each(["http://2130706433/", "http://0x7f000001/", "http://127.1/", "http://[::ffff:7f00:1]/", "http://[::1]:8080/"])(
    "refuses the loopback spelling %s without a DNS lookup",
    async (raw) => {
      await expect(checkDestination(raw, none)).rejects.toMatchObject({ code: "DESTINATION_NOT_ALLOWED", details: { range: "loopback" } });
    },
  );

  it("accepts a literal public address and reports it", async () => {
    const { url, addresses } = await checkDestination("https://8.8.8.8/intake", none);
    expect(url.hostname).toBe("8.8.8.8");
    expect(addresses).toEqual(["8.8.8.8"]);
  });

  it("refuses a name that resolves to loopback", async () => {
    await expect(checkDestination("http://localhost:9/", none)).rejects.toMatchObject({
      code: "DESTINATION_NOT_ALLOWED",
      details: { host: "localhost", range: "loopback" },
    });
  });
});

describe("plain http:// destinations", () => {
  const loopbackAndLab = parseAllowList(["127.0.0.0/8", "::1/128", "203.0.113.0/24"]);

  it.each(["http://8.8.8.8/intake", "http://[2001:4860:4860::8888]/intake"])("refuses %s, a public address outside the allow list", async (raw) => {
    const err = await checkDestination(raw, loopbackAndLab).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: "INSECURE_DESTINATION", status: 400 });
    expect((err as AppError).message).toMatch(/^Use https:\/\/ for .*unencrypted.*OUTBOUND_ALLOW_CIDRS/);
  });

  it("allows the same public host over https://", async () => {
    await expect(checkDestination("https://8.8.8.8/intake", loopbackAndLab)).resolves.toMatchObject({ addresses: ["8.8.8.8"] });
  });

  it.each(["http://127.0.0.1:8080/intake", "http://[::1]:8080/intake", "http://203.0.113.9/intake", "http://[::ffff:203.0.113.9]/intake"])(
    "allows %s, inside OUTBOUND_ALLOW_CIDRS",
    async (raw) => {
      await expect(checkDestination(raw, loopbackAndLab)).resolves.toBeDefined();
    },
  );

  it("refuses a private address outside the allow list as not allowed, before anything about http", async () => {
    await expect(checkDestination("http://10.0.0.5/", loopbackAndLab)).rejects.toMatchObject({ code: "DESTINATION_NOT_ALLOWED" });
  });
});
