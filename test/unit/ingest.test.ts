import { describe, expect, it } from "vitest";
import { AppError } from "../../lib/errors";
import { MAX_BATCH, MAX_DATA_DEPTH, nestsAtMost, parseIngestBody } from "../../lib/events/ingest";

const SEED_KEYS = ["id", "transaction_id", "event_type", "severity", "timestamp", "actor_email", "actor_ip_address", "actor_name", "actor_user_id", "actor_user_agent", "data"];
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const RFC3339_UTC_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

function rejection(body: unknown): AppError {
  try {
    parseIngestBody(body);
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error("parseIngestBody accepted the body");
}

describe("parseIngestBody", () => {
  it("turns a single event object into a batch of one", () => {
    const events = parseIngestBody({ event_type: "USER_LOGGED_IN" });
    expect(events).toHaveLength(1);
    expect(events[0]!.event_type).toBe("USER_LOGGED_IN");
  });

  it("keeps an array's events in the order they were sent", () => {
    const events = parseIngestBody([{ event_type: "FIRST" }, { event_type: "SECOND" }, { event_type: "THIRD_3" }]);
    expect(events.map((e) => e.event_type)).toEqual(["FIRST", "SECOND", "THIRD_3"]);
  });

  it("fills in UUID v4 ids and transaction ids, the current time, INFO, null actor fields and an empty data object", () => {
    const before = Date.now();
    const [a, b] = parseIngestBody([{ event_type: "USER_LOGGED_IN" }, { event_type: "USER_LOGGED_OUT" }]);
    const after = Date.now();
    for (const e of [a!, b!]) {
      expect(e.id).toMatch(UUID_V4);
      expect(e.transaction_id).toMatch(UUID_V4);
      expect(e.timestamp).toMatch(RFC3339_UTC_MS);
      expect(Date.parse(e.timestamp)).toBeGreaterThanOrEqual(before);
      expect(Date.parse(e.timestamp)).toBeLessThanOrEqual(after);
      expect(e).toMatchObject({
        severity: "INFO",
        actor_email: null,
        actor_ip_address: null,
        actor_name: null,
        actor_user_id: null,
        actor_user_agent: null,
        data: {},
      });
    }
    expect(new Set([a!.id, a!.transaction_id, b!.id, b!.transaction_id]).size).toBe(4);
  });

  it("keeps every field the publisher sent", () => {
    const sent = {
      id: "6b1f7c0e-2d55-4c53-9a3e-0f7f5d2a9b11",
      transaction_id: "0b4f3b9a-7e8d-4c1a-8f2e-5d6c7b8a9f00",
      event_type: "USER_ROLE_CHANGED",
      severity: "ALERT",
      timestamp: "2024-10-22T18:20:31.622Z",
      actor_email: "ada@example.com",
      actor_ip_address: "203.0.113.7",
      actor_name: "Ada",
      actor_user_id: "u-42",
      actor_user_agent: "curl/8.5.0",
      data: { role: "ADMIN", previous: "MEMBER" },
    };
    expect(parseIngestBody(sent)).toEqual([sent]);
  });

  it("accepts null actor fields", () => {
    const [e] = parseIngestBody({ event_type: "SYSTEM_JOB", actor_email: null, actor_ip_address: null, actor_name: null, actor_user_id: null, actor_user_agent: null });
    expect(e!.actor_email).toBeNull();
    expect(e!.actor_user_agent).toBeNull();
  });

  it("normalises a timestamp with an offset to UTC", () => {
    const [e] = parseIngestBody({ event_type: "USER_LOGGED_IN", timestamp: "2024-10-22T18:20:31.622+02:00" });
    expect(e!.timestamp).toBe("2024-10-22T16:20:31.622Z");
  });

  it("puts the keys in the seed's order whatever order they were sent in", () => {
    const [e] = parseIngestBody({
      data: { z: 1 },
      actor_user_agent: "ua",
      severity: "WARNING",
      event_type: "USER_LOGGED_IN",
      id: "6b1f7c0e-2d55-4c53-9a3e-0f7f5d2a9b11",
    });
    expect(Object.keys(e!)).toEqual(SEED_KEYS);
    expect(JSON.stringify(e).startsWith('{"id":"6b1f7c0e-2d55-4c53-9a3e-0f7f5d2a9b11","transaction_id":')).toBe(true);
  });

  it("keeps the key order inside data", () => {
    const [e] = parseIngestBody({ event_type: "USER_LOGGED_IN", data: { b: 1, a: 2, nested: { z: true, y: false } } });
    expect(JSON.stringify(e!.data)).toBe('{"b":1,"a":2,"nested":{"z":true,"y":false}}');
  });

  it("lists every problem of every bad item, with its index and path, and stores nothing", () => {
    const err = rejection([
      { event_type: "FINE" },
      { event_type: "user_logged_in" },
      { event_type: "FINE", severity: "DEBUG" },
      { event_type: "FINE", id: "not-a-uuid" },
      { event_type: "FINE", data: ["a", "list"] },
      { event_type: "FINE", colour: "red" },
      { event_type: "FINE", timestamp: "2024-10-22 18:20:31" },
      { event_type: "FINE", actor_email: `${"x".repeat(309)}@example.com` },
      { event_type: "FINE" },
    ]);
    expect(err.code).toBe("VALIDATION_FAILED");
    expect(err.status).toBe(400);
    expect(err.message).toBe("7 problems in the batch; nothing was stored. First: item 1, event_type: event_type must be UPPER_SNAKE_CASE ([A-Z0-9_]+)");
    expect(err.details).toEqual([
      { index: 1, path: "event_type", message: "event_type must be UPPER_SNAKE_CASE ([A-Z0-9_]+)" },
      { index: 2, path: "severity", message: "severity must be INFO, WARNING or ALERT" },
      { index: 3, path: "id", message: "id must be a UUID" },
      { index: 4, path: "data", message: "data must be a JSON object" },
      { index: 5, path: "", message: 'Unrecognized key: "colour"' },
      { index: 6, path: "timestamp", message: "timestamp must be an RFC 3339 date-time, e.g. 2024-10-22T18:20:31.622Z" },
      { index: 7, path: "actor_email", message: "at most 320 characters" },
    ]);
  });

  it("lists several problems of one item separately", () => {
    const err = rejection([{ event_type: "FINE" }, { severity: "LOUD", transaction_id: 7, data: null }]);
    expect(err.details).toEqual([
      { index: 1, path: "transaction_id", message: "transaction_id must be a UUID" },
      { index: 1, path: "event_type", message: "Invalid input: expected string, received undefined" },
      { index: 1, path: "severity", message: "severity must be INFO, WARNING or ALERT" },
      { index: 1, path: "data", message: "data must be a JSON object" },
    ]);
  });

  it("rejects data that is a string, a number or null", () => {
    for (const data of ["text", 42, null]) {
      expect(rejection({ event_type: "FINE", data }).details).toEqual([{ index: 0, path: "data", message: "data must be a JSON object" }]);
    }
  });

  it("rejects a calendar date that does not exist", () => {
    expect(rejection({ event_type: "FINE", timestamp: "2023-02-29T10:00:00Z" }).details).toEqual([
      { index: 0, path: "timestamp", message: "timestamp must be an RFC 3339 date-time, e.g. 2024-10-22T18:20:31.622Z" },
    ]);
  });

  it("rejects actor text PostgreSQL cannot store: NUL characters and unpaired surrogates", () => {
    const err = rejection([
      { event_type: "FINE", actor_name: "Ada\u0000Lovelace" },
      { event_type: "FINE", actor_email: "ada\ud83d@example.com" },
      { event_type: "FINE", actor_user_agent: "\ude00 trailing half" },
    ]);
    const message = "must be valid Unicode text without NUL (\\u0000) characters";
    expect(err.details).toEqual([
      { index: 0, path: "actor_name", message },
      { index: 1, path: "actor_email", message },
      { index: 2, path: "actor_user_agent", message },
    ]);
  });

  it("accepts emoji and other text made of surrogate pairs", () => {
    const [e] = parseIngestBody({ event_type: "FINE", actor_name: "Ada 👩‍💻 𝔸" });
    expect(e!.actor_name).toBe("Ada 👩‍💻 𝔸");
  });

  it.each([
    ["0000-06-01T00:00:00Z"],
    ["0001-01-01T00:30:00+01:00"],
    ["9999-12-31T23:00:00-12:00"],
  ])("rejects %s, which falls outside the years 0001 to 9999 in UTC", (timestamp) => {
    expect(rejection({ event_type: "FINE", timestamp }).details).toEqual([
      { index: 0, path: "timestamp", message: "timestamp must fall between the years 0001 and 9999 in UTC" },
    ]);
  });

  it("accepts the first and last instants of the years 0001 to 9999", () => {
    const events = parseIngestBody([
      { event_type: "FINE", timestamp: "0001-01-01T00:00:00Z" },
      { event_type: "FINE", timestamp: "9999-12-31T23:59:59.999Z" },
    ]);
    expect(events.map((e) => e.timestamp)).toEqual(["0001-01-01T00:00:00.000Z", "9999-12-31T23:59:59.999Z"]);
  });

  it("names the event, not an item, when a single object is invalid", () => {
    const err = rejection({ event_type: "bad type" });
    expect(err.message).toBe("1 problem in the event; nothing was stored. First: event_type: event_type must be UPPER_SNAKE_CASE ([A-Z0-9_]+)");
    expect(err.details).toEqual([{ index: 0, path: "event_type", message: "event_type must be UPPER_SNAKE_CASE ([A-Z0-9_]+)" }]);
  });

  it(`accepts exactly ${MAX_BATCH} events`, () => {
    expect(MAX_BATCH).toBe(1000);
    expect(parseIngestBody(Array.from({ length: 1000 }, () => ({ event_type: "BULK" })))).toHaveLength(1000);
  });

  it("rejects 1,001 events as too large, before validating any of them", () => {
    const err = rejection(Array.from({ length: 1001 }, () => ({ event_type: "not valid either" })));
    expect(err.code).toBe("PAYLOAD_TOO_LARGE");
    expect(err.status).toBe(413);
    expect(err.details).toEqual({ max: 1000, received: 1001 });
    expect(err.message).toContain("this one has 1001");
  });

  it("rejects an empty array", () => {
    const err = rejection([]);
    expect(err.code).toBe("VALIDATION_FAILED");
    expect(err.message).toBe("The batch is empty: send one event or an array of 1 to 1,000.");
  });

  it.each([
    ["null", null, "null"],
    ["a number", 42, "number"],
    ["a string", "USER_LOGGED_IN", "string"],
  ])("rejects %s as the body", (_, body, received) => {
    const err = rejection(body);
    expect(err.code).toBe("VALIDATION_FAILED");
    expect(err.details).toEqual([{ index: 0, path: "", message: `Invalid input: expected object, received ${received}` }]);
  });

  it("rejects null items inside a batch with their index", () => {
    expect(rejection([{ event_type: "FINE" }, null]).details).toEqual([{ index: 1, path: "", message: "Invalid input: expected object, received null" }]);
  });
});

/** `data` with `levels` levels of objects and arrays (`data` itself the first). */
function nested(levels: number): Record<string, unknown> {
  let inner: unknown = "leaf";
  for (let i = 1; i < levels; i++) inner = i % 2 ? [inner] : { k: inner };
  return { k: inner };
}

describe("reserved event types", () => {
  it.each(["EVENT_STREAM_CONNECTIONS_TESTED", "EVENT_STREAM_CONNECTIONS_DELETED", "EVENT_STREAM_ANYTHING_NEW"])(
    "refuses %s from a publisher: only Tributary writes its own audit events",
    (type) => {
      const err = rejection([{ event_type: "FINE" }, { event_type: type }]);
      expect(err.code).toBe("VALIDATION_FAILED");
      expect(err.details).toEqual([
        { index: 1, path: "event_type", message: "EVENT_STREAM_* event types are Tributary's own audit events and cannot be published" },
      ]);
    },
  );

  it("accepts types that merely contain the words", () => {
    expect(parseIngestBody([{ event_type: "MY_EVENT_STREAM_CHANGED" }, { event_type: "EVENT_STREAMS" }])).toHaveLength(2);
  });
});

describe("nesting of data", () => {
  it(`accepts data nested ${MAX_DATA_DEPTH} levels deep`, () => {
    expect(parseIngestBody({ event_type: "DEEP", data: nested(MAX_DATA_DEPTH) })[0]!.data).toEqual(nested(MAX_DATA_DEPTH));
  });

  it.each([MAX_DATA_DEPTH + 1, 100_000])("refuses data nested %i levels deep with a clear message", (levels) => {
    const err = rejection({ event_type: "DEEP", data: nested(levels) });
    expect(err.code).toBe("VALIDATION_FAILED");
    expect(err.details).toEqual([{ index: 0, path: "data", message: `data may nest objects and arrays at most ${MAX_DATA_DEPTH} levels deep` }]);
  });

  it("measures depth without recursion, and counts siblings once", () => {
    expect(nestsAtMost(nested(1_000_000), 5)).toBe(false);
    expect(nestsAtMost({ a: { b: 1 }, c: [{ d: [] }], e: "x" }, 4)).toBe(true);
    expect(nestsAtMost({ a: { b: 1 }, c: [{ d: [] }], e: "x" }, 3)).toBe(false);
    expect(nestsAtMost("scalar", 0)).toBe(true);
  });
});
