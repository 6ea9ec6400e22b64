import { describe, expect, it } from "vitest";
import { type DeliveryTarget, jsonBody, prepareTarget, requestFor, USER_AGENT } from "../../lib/delivery/delivery-request";
import { sign, verify } from "../../lib/delivery/hmac-signature";

const body = JSON.stringify({ id: "e1", event_type: "X", data: { a: 1 } });
const now = new Date("2024-05-01T12:00:00.999Z");
const nowSeconds = "1714564800";
/** The request of one attempt to send `body` (JSON) to `target`, as the attempt builds it. */
const buildDeliveryRequest = (target: DeliveryTarget, text: string, at: Date) => requestFor(prepareTarget(target), jsonBody(text), at);

describe("buildDeliveryRequest", () => {
  it("sends only the JSON content type and user agent with auth NONE", () => {
    const target: DeliveryTarget = { url: "https://logs.example.com/intake?source=x", auth: { type: "NONE" } };
    const { url, headers } = buildDeliveryRequest(target, body, now);
    expect(url.toString()).toBe("https://logs.example.com/intake?source=x");
    expect(headers).toEqual({ "content-type": "application/json", "user-agent": USER_AGENT });
    expect(USER_AGENT).toBe("Tributary-Event-Streaming/1.0");
  });

  it("puts API keys in headers or the query string as configured, keeping the URL's own query", () => {
    const target: DeliveryTarget = {
      url: "https://http-intake.logs.datadoghq.com/api/v2/logs?source=tributary",
      auth: {
        type: "API_KEY",
        keys: [
          { key: "DD-API-KEY", value: "dd-0123456789abcdef", addTo: "HEADER" },
          { key: "ddtags", value: "env:prod,team:sec & ops", addTo: "QUERY" },
          { key: "Authorization", value: "Bearer abc", addTo: "HEADER" },
        ],
      },
    };
    const { url, headers } = buildDeliveryRequest(target, body, now);
    expect(headers).toEqual({
      "content-type": "application/json",
      "user-agent": USER_AGENT,
      "dd-api-key": "dd-0123456789abcdef",
      authorization: "Bearer abc",
    });
    expect(url.pathname).toBe("/api/v2/logs");
    expect([...url.searchParams]).toEqual([
      ["source", "tributary"],
      ["ddtags", "env:prod,team:sec & ops"],
    ]);
    expect(url.search).toBe("?source=tributary&ddtags=env%3Aprod%2Cteam%3Asec+%26+ops");
  });

  it("does not change the target's URL", () => {
    const target: DeliveryTarget = { url: "https://a.example.com/x", auth: { type: "API_KEY", keys: [{ key: "k", value: "v", addTo: "QUERY" }] } };
    buildDeliveryRequest(target, body, now);
    buildDeliveryRequest(target, body, now);
    expect(target.url).toBe("https://a.example.com/x");
    expect(buildDeliveryRequest(target, body, now).url.search).toBe("?k=v");
  });

  it("signs with HMAC using the attempt's unix-second timestamp", () => {
    const secret = "hmac-secret-one-000000000000000000000000000";
    const target: DeliveryTarget = { url: "https://a.example.com/hook", auth: { type: "HMAC", secrets: [secret] } };
    const { url, headers } = buildDeliveryRequest(target, body, now);
    expect(url.toString()).toBe("https://a.example.com/hook");
    expect(headers["x-opal-request-timestamp"]).toBe(nowSeconds);
    expect(headers["x-opal-signature"]).toBe(sign(secret, nowSeconds, body));
    expect(Object.keys(headers).sort()).toEqual(["content-type", "user-agent", "x-opal-request-timestamp", "x-opal-signature"]);
  });

  it("gives each attempt a fresh timestamp and signature over the same body", () => {
    const secret = "hmac-secret-one-000000000000000000000000000";
    const target: DeliveryTarget = { url: "https://a.example.com/hook", auth: { type: "HMAC", secrets: [secret] } };
    const first = buildDeliveryRequest(target, body, now);
    const retry = buildDeliveryRequest(target, body, new Date(now.getTime() + 90_000));
    expect(retry.headers["x-opal-request-timestamp"]).toBe(String(Number(nowSeconds) + 90));
    expect(retry.headers["x-opal-signature"]).not.toBe(first.headers["x-opal-signature"]);
    const fresh = (h: Record<string, string>, at: Date) =>
      verify(secret, { signature: h["x-opal-signature"], timestamp: h["x-opal-request-timestamp"] }, body, { toleranceSeconds: 60, now: at });
    expect(fresh(retry.headers, new Date(now.getTime() + 90_000))).toBe(true);
    expect(fresh(first.headers, new Date(now.getTime() + 90_000))).toBe(false);
  });

  it("carries one signature per active secret, comma delimited, in the secrets' order", () => {
    const secrets = ["old-secret-000000000000000000000000000000000", "new-secret-111111111111111111111111111111111"];
    const { headers } = buildDeliveryRequest({ url: "https://a.example.com/", auth: { type: "HMAC", secrets } }, body, now);
    expect(headers["x-opal-signature"]).toBe(`${sign(secrets[0]!, nowSeconds, body)}, ${sign(secrets[1]!, nowSeconds, body)}`);
  });
});
