import dns from "node:dns";
import { describe, expect, it } from "vitest";
import { checkDestination, guardedLookup, parseAllowList, parseDestinationUrl, refusalReason } from "../../lib/delivery/outbound-guard";
import { AppError } from "../../lib/errors";
import { createHttpClient } from "../../lib/delivery/http-client";

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
  ])("refuses %s as %s", (address, range) => {
    expect(refusalReason(address, none)).toBe(range);
  });

  // IPv6 spellings that carry an IPv4 address: judged by what they carry.
  it.each([
    ["::7f00:1", "loopback"], // IPv4-compatible ::127.0.0.1
    ["::127.0.0.1", "loopback"],
    ["::a9fe:a9fe", "linkLocal"], // ::169.254.169.254, cloud metadata
    ["::a00:1", "private"],
    ["::808:808", "ipv4Compatible"], // deprecated form, refused even with a public address inside
    ["::ffff:0:7f00:1", "loopback"], // SIIT IPv4-translated
    ["64:ff9b::7f00:1", "loopback"], // NAT64
    ["64:ff9b::a9fe:a9fe", "linkLocal"],
    ["64:ff9b::a00:1", "private"],
    ["64:ff9b:1::c0a8:101", "private"], // NAT64 local-use prefix
    ["2002:a00:1::", "private"], // 6to4 of 10.0.0.1
    ["2002:7f00:1::1", "loopback"],
    ["2002:a9fe:a9fe::1", "linkLocal"],
    ["2002:808:808::1", "6to4"], // deprecated relay, refused even when public
    ["2001:0:4136:e378:8000:63bf:3fff:fdd2", "teredo"],
  ])("refuses the IPv4-embedding address %s as %s", (address, range) => {
    expect(refusalReason(address, none)).toBe(range);
  });

  it("allows NAT64 to a public IPv4 address (how an IPv6-only host reaches IPv4 destinations)", () => {
    expect(refusalReason("64:ff9b::808:808", none)).toBeNull();
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

  it("admits NAT64 to an allowed IPv4 range, but never the deprecated IPv4-compatible or 6to4 forms", () => {
    expect(refusalReason("64:ff9b::a01:203", allow)).toBeNull();
    expect(refusalReason("::7f00:1", allow)).toBe("ipv4Compatible");
    expect(refusalReason("2002:7f00:1::1", allow)).toBe("6to4");
    expect(refusalReason("::7f00:1", parseAllowList(["::/96"]))).toBeNull();
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
  it.each(["http://2130706433/", "http://0x7f000001/", "http://127.1/", "http://[::ffff:7f00:1]/", "http://[::1]:8080/", "http://[::127.0.0.1]/", "http://[::7f00:1]:9/", "http://[64:ff9b::127.0.0.1]/"])(
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

  it("refuses a literal IPv4-compatible address of the metadata service", async () => {
    await expect(checkDestination("http://[::a9fe:a9fe]/latest/meta-data/", none)).rejects.toMatchObject({
      code: "DESTINATION_NOT_ALLOWED",
      details: { range: "linkLocal" },
    });
  });

  it("refuses a name that resolves to loopback", async () => {
    await expect(checkDestination("http://localhost:9/", none)).rejects.toMatchObject({
      code: "DESTINATION_NOT_ALLOWED",
      details: { host: "localhost", range: "loopback" },
    });
  });
});

describe("the delivery HTTP client and literal addresses", () => {
  it.each(["http://[::7f00:1]:9/x", "http://[::a9fe:a9fe]/latest", "http://[64:ff9b::a00:1]/", "http://[2002:7f00:1::1]/"])("refuses %s before connecting", async (raw) => {
    const http = createHttpClient({ allow: none });
    const result = await http.post(new URL(raw), {}, "{}");
    await http.close();
    expect(result).toMatchObject({ ok: false, status: null, latencyMs: 0, error: { kind: "not_allowed" } });
  });
});

describe("guardedLookup (the connect-time check of DNS answers)", () => {
  // A resolver that answers like a DNS server under an attacker's control; the real one cannot be made to.
  const answering =
    (addresses: string[]): typeof dns.lookup =>
    ((_host: string, _opts: unknown, cb: (err: null, list: dns.LookupAddress[]) => void) =>
      cb(null, addresses.map((address) => ({ address, family: address.includes(":") ? 6 : 4 })))) as never;
  const lookupWith = (addresses: string[], allow = none) =>
    new Promise<{ err: (Error & { code?: string; details?: unknown }) | null; address: unknown }>((resolve) =>
      guardedLookup(allow, answering(addresses))("rebind.example", {}, (err, address) => resolve({ err, address })),
    );

  it.each([
    [["::7f00:1"], "loopback"],
    [["::a9fe:a9fe"], "linkLocal"],
    [["64:ff9b::a00:1"], "private"],
    [["2002:c0a8:101::1"], "private"],
    [["93.184.216.34", "::ffff:0:a9fe:a9fe"], "linkLocal"],
  ])("refuses the answer %j as %s", async (addresses, range) => {
    const { err } = await lookupWith(addresses);
    expect(err).toMatchObject({ code: "DESTINATION_NOT_ALLOWED", details: { range } });
  });

  it("passes a public answer through", async () => {
    expect(await lookupWith(["93.184.216.34"])).toEqual({ err: null, address: "93.184.216.34" });
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
