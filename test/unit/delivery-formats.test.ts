import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { requestFor, prepareTarget } from "../../lib/delivery/delivery-request";
import { requestBody, testEventBody } from "../../lib/delivery/formats/request-body";
import { contentType, encode, frame, frameOverhead, hecTime, requestBytes } from "../../lib/delivery/formats/wire-format";
import { verify } from "../../lib/delivery/hmac-signature";
import { wireEvent } from "../../lib/events/envelope";
import { splitConcatenatedJson } from "../helpers/receiver";

const events = [
  wireEvent({ eventType: "USER_LOGGED_IN", timestamp: "2024-10-22T18:20:31.622Z", actor: { email: "ada@example.com" }, data: { n: 1 } }),
  wireEvent({ eventType: "ACCESS_GRANTED", timestamp: "2024-10-22T18:20:32.5Z", data: { note: "é ünïcode ✓", nested: { a: [1, 2] } } }),
  wireEvent({ eventType: "USER_LOGGED_OUT", timestamp: "2024-10-22T18:20:33Z" }),
];
const stored = events.map((event) => ({ event, body: JSON.stringify(event) }));
const bytes = (s: string) => Buffer.byteLength(s);

describe("wire formats", () => {
  it("EVENT: the body is exactly the one event's JSON, as the seed sends it", () => {
    expect(encode("EVENT", [stored[0]!])).toBe(JSON.stringify(events[0]));
    expect(() => encode("EVENT", stored)).toThrow(/exactly one event/);
  });

  it("JSON_ARRAY: [event, …] that parses back to the events, keys in wire order", () => {
    const text = encode("JSON_ARRAY", stored);
    expect(JSON.parse(text)).toEqual(events);
    expect(text).toBe(JSON.stringify(events));
  });

  it("NDJSON: one event per line, every line ending in a newline", () => {
    const text = encode("NDJSON", stored);
    expect(text.endsWith("\n")).toBe(true);
    expect(text.split("\n").slice(0, -1).map((l) => JSON.parse(l))).toEqual(events);
  });

  it("SPLUNK_HEC: concatenated envelopes with the epoch time in seconds with milliseconds and the opal:event sourcetype", () => {
    const text = encode("SPLUNK_HEC", stored);
    expect(text.startsWith('{"time":1729621231.622,"sourcetype":"opal:event","event":{"id":')).toBe(true);
    expect(splitConcatenatedJson(text)).toEqual([
      { time: 1729621231.622, sourcetype: "opal:event", event: events[0] },
      { time: 1729621232.5, sourcetype: "opal:event", event: events[1] },
      { time: 1729621233, sourcetype: "opal:event", event: events[2] },
    ]);
    expect(hecTime("2024-10-22T18:20:33Z")).toBe("1729621233.000");
  });

  it("gives JSON_ARRAY and SPLUNK_HEC as application/json and NDJSON as application/x-ndjson", () => {
    expect(contentType("EVENT")).toBe("application/json");
    expect(contentType("JSON_ARRAY")).toBe("application/json");
    expect(contentType("SPLUNK_HEC")).toBe("application/json");
    expect(contentType("NDJSON")).toBe("application/x-ndjson");
  });

  it.each(["EVENT", "JSON_ARRAY", "NDJSON", "SPLUNK_HEC"] as const)("counts a %s request's UTF-8 bytes exactly from its events' framed sizes", (format) => {
    const list = format === "EVENT" ? [stored[1]!] : stored;
    const framed = list.reduce((sum, e) => sum + bytes(e.body) + frameOverhead(format, e), 0);
    expect(requestBytes(format, framed, list.length)).toBe(bytes(encode(format, list)));
    for (const e of list) expect(bytes(frame(format, e))).toBe(bytes(e.body) + frameOverhead(format, e));
  });
});

describe("request bodies", () => {
  it("gzips when asked, and HMAC signs the uncompressed body a receiver gets after decoding", async () => {
    const body = await requestBody("JSON_ARRAY", "GZIP", stored);
    expect(body.headers).toEqual([
      { name: "Content-Type", value: "application/json" },
      { name: "Content-Encoding", value: "gzip" },
    ]);
    const decoded = gunzipSync(body.bytes as Uint8Array).toString("utf8");
    expect(decoded).toBe(body.signed);
    expect(JSON.parse(decoded)).toEqual(events);
    const at = new Date("2024-10-22T18:21:00Z");
    const { headers } = requestFor(prepareTarget({ url: "https://logs.example.com/", auth: { type: "HMAC", secrets: ["s3cret"] } }), body, at);
    expect(headers["content-encoding"]).toBe("gzip");
    expect(verify("s3cret", { signature: headers["x-opal-signature"], timestamp: headers["x-opal-request-timestamp"] }, decoded)).toBe(true);
  });

  it("sends uncompressed bodies as the text itself", async () => {
    const body = await requestBody("NDJSON", "NONE", stored);
    expect(body.bytes).toBe(body.signed);
    expect(body.headers).toEqual([{ name: "Content-Type", value: "application/x-ndjson" }]);
  });

  it("puts the test event in the connection's format, never compressed: a JSON_ARRAY connection gets [test]", () => {
    const test = stored[0]!;
    expect(testEventBody("JSON_ARRAY", test).bytes).toBe(`[${test.body}]`);
    expect(testEventBody("EVENT", test).bytes).toBe(test.body);
    expect(testEventBody("NDJSON", test)).toEqual({ bytes: `${test.body}\n`, signed: `${test.body}\n`, headers: [{ name: "Content-Type", value: "application/x-ndjson" }] });
  });
});
