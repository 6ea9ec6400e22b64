import { describe, expect, it } from "vitest";
import {
  connectionSettingsSchema,
  editConnectionFormSchema,
  headerNameProblem,
  MAX_API_KEYS,
  missingKeyValues,
  newConnectionFormSchema,
  updateConnectionSchema,
} from "../../lib/connections/schemas";
import { formDefaults } from "../../lib/connections/presets";
import { fieldErrors } from "../../lib/errors";

const valid = { name: "Datadog production", url: "https://http-intake.logs.datadoghq.com/api/v2/logs", auth: { type: "NONE" } };
const key = (k: string, addTo: "HEADER" | "QUERY" = "HEADER", value: string | undefined = "value-1234") => ({ key: k, value, add_to: addTo });

/** The `path: message` pairs a form shows, or [] when the input is valid. */
function problems(input: unknown, schema: typeof connectionSettingsSchema | typeof updateConnectionSchema = connectionSettingsSchema) {
  const r = schema.safeParse(input);
  return r.success ? [] : fieldErrors(r.error.issues);
}
const paths = (input: unknown, schema?: Parameters<typeof problems>[1]) => [...new Set(problems(input, schema).map((p) => p.path))];

describe("connection name", () => {
  it("is trimmed", () => {
    expect(connectionSettingsSchema.parse({ ...valid, name: "  Splunk  " }).name).toBe("Splunk");
  });

  it.each([["empty", ""], ["blank", "   "], ["101 characters", "x".repeat(101)], ["missing", undefined]])("is refused when %s", (_l, name) => {
    expect(paths({ ...valid, name })).toEqual(["name"]);
  });

  it("accepts exactly 100 characters", () => {
    expect(paths({ ...valid, name: "x".repeat(100) })).toEqual([]);
  });

  it("asks for a name with an example", () => {
    expect(problems({ ...valid, name: " " })[0]?.message).toMatch(/Enter a name, such as/);
  });
});

describe("destination URL", () => {
  it.each(["https://logs.example.com/intake", "http://127.0.0.1:8080/x?y=1", "https://[2606:4700::1111]/hook"])("accepts %s", (url) => {
    expect(paths({ ...valid, url })).toEqual([]);
  });

  it("is trimmed", () => {
    expect(connectionSettingsSchema.parse({ ...valid, url: "  https://a.example.com/x  " }).url).toBe("https://a.example.com/x");
  });

  it.each([
    "ftp://logs.example.com/",
    "logs.example.com/intake",
    "javascript:alert(1)",
    "file:///etc/passwd",
    "mailto:ops@example.com",
    "",
    `https://a.example.com/${"x".repeat(2049)}`,
  ])("refuses %s", (url) => {
    expect(paths({ ...valid, url })).toEqual(["url"]);
  });
});

describe("header names", () => {
  it.each(["DD-API-KEY", "Authorization", "X-Api-Key", "x_custom.key~1"])("accepts %s", (name) => {
    expect(headerNameProblem(name)).toBeNull();
  });

  it.each([
    ["Bad Header", /no spaces or colons/],
    ["Bad:Header", /no spaces or colons/],
    ["Bad\nHeader", /no spaces or colons/],
    ["Ünicode", /no spaces or colons/],
    ["", /no spaces or colons/],
    ["Host", /set by Tributary/],
    ["Content-Type", /set by Tributary/],
    ["content-length", /set by Tributary/],
    ["Transfer-Encoding", /set by Tributary/],
    ["X-Opal-Foo", /reserved for the HMAC signature/],
    ["x-opal-signature", /reserved for the HMAC signature/],
  ])("refuses %j", (name, message) => {
    expect(headerNameProblem(name)).toMatch(message);
  });

  it("applies header rules to HEADER keys only", () => {
    const auth = (k: ReturnType<typeof key>) => ({ ...valid, auth: { type: "API_KEY", keys: [k] } });
    expect(paths(auth(key("Bad Header")))).toEqual(["auth.keys.0.key"]);
    expect(paths(auth(key("Content-Type")))).toEqual(["auth.keys.0.key"]);
    expect(paths(auth(key("my tag", "QUERY")))).toEqual([]);
    expect(paths(auth(key("host", "QUERY")))).toEqual([]);
  });
});

describe("API keys", () => {
  const withKeys = (keys: unknown[]) => ({ ...valid, auth: { type: "API_KEY", keys } });

  it(`accepts ${MAX_API_KEYS} keys and refuses ${MAX_API_KEYS + 1}`, () => {
    const keys = Array.from({ length: MAX_API_KEYS + 1 }, (_, i) => key(`X-Key-${i}`));
    expect(MAX_API_KEYS).toBe(5);
    expect(paths(withKeys(keys.slice(0, MAX_API_KEYS)))).toEqual([]);
    expect(problems(withKeys(keys))).toEqual([{ path: "auth.keys", message: "Use at most 5 keys." }]);
  });

  it("needs at least one key", () => {
    expect(problems(withKeys([]))).toEqual([{ path: "auth.keys", message: "Add at least one key." }]);
    expect(paths({ ...valid, auth: { type: "API_KEY" } })).toEqual(["auth.keys"]);
  });

  it("refuses the same header twice regardless of case, flagging the second", () => {
    expect(problems(withKeys([key("DD-API-KEY"), key("dd-api-key")]))).toEqual([{ path: "auth.keys.1.key", message: "This key is already used." }]);
  });

  it("treats query parameter names case-sensitively and apart from headers", () => {
    expect(paths(withKeys([key("tag", "QUERY"), key("Tag", "QUERY")]))).toEqual([]);
    expect(paths(withKeys([key("api_key", "QUERY"), key("api_key", "HEADER")]))).toEqual([]);
    expect(paths(withKeys([key("tag", "QUERY"), key("tag", "QUERY")]))).toEqual(["auth.keys.1.key"]);
  });

  it.each([["\r\n"], ["\n"], ["\0"]])("refuses a value containing %j (header injection)", (bad) => {
    expect(paths(withKeys([key("X-Key", "HEADER", `abc${bad}Evil: 1`)]))).toEqual(["auth.keys.0.value"]);
  });

  it("refuses a value over 8,192 characters", () => {
    expect(paths(withKeys([key("X-Key", "HEADER", "v".repeat(8192))]))).toEqual([]);
    expect(paths(withKeys([key("X-Key", "HEADER", "v".repeat(8193))]))).toEqual(["auth.keys.0.value"]);
  });

  it("refuses an unknown placement", () => {
    expect(problems(withKeys([{ key: "k", value: "v", add_to: "BODY" }]))).toEqual([
      { path: "auth.keys.0.add_to", message: "Choose Header or Query Parameter." },
    ]);
  });

  it("lets the schema accept a missing value (an edit keeps it) but a create must supply every value", () => {
    const parsed = connectionSettingsSchema.parse(withKeys([{ key: "A-Key", add_to: "HEADER" }, key("B-Key", "HEADER", ""), key("C-Key")]));
    expect(missingKeyValues(parsed.auth)).toEqual([
      { path: "auth.keys.0.value", message: "Enter a value." },
      { path: "auth.keys.1.value", message: "Enter a value." },
    ]);
    expect(missingKeyValues({ type: "HMAC" })).toEqual([]);
    expect(missingKeyValues(undefined)).toEqual([]);
  });
});

describe("authorization type", () => {
  it.each([{ type: "BASIC" }, {}, { type: "none" }])("refuses %j with the choices listed", (auth) => {
    expect(problems({ ...valid, auth })).toEqual([{ path: "auth.type", message: "Choose an authorization type: NONE, API_KEY or HMAC." }]);
  });

  it("refuses a missing auth", () => {
    expect(paths({ name: valid.name, url: valid.url })).toEqual(["auth"]);
  });

  it("drops fields a type does not use (a client cannot choose its own HMAC secret)", () => {
    expect(connectionSettingsSchema.parse({ ...valid, auth: { type: "HMAC", secret: "mine" } }).auth).toEqual({ type: "HMAC" });
    expect(connectionSettingsSchema.parse({ ...valid, auth: { type: "NONE", keys: [key("X")] } }).auth).toEqual({ type: "NONE" });
  });
});

describe("update schema", () => {
  it("accepts a partial edit and an empty one", () => {
    expect(updateConnectionSchema.parse({ name: " Renamed " })).toEqual({ name: "Renamed" });
    expect(updateConnectionSchema.parse({})).toEqual({});
  });

  it("allows API key values to be left out", () => {
    expect(paths({ auth: { type: "API_KEY", keys: [{ key: "DD-API-KEY", add_to: "HEADER" }] } }, updateConnectionSchema)).toEqual([]);
    expect(paths({ auth: { type: "API_KEY", keys: [{ key: "DD-API-KEY", add_to: "HEADER" }] } })).toEqual(["name", "url"]);
  });

  it("refuses unknown fields instead of ignoring them", () => {
    expect(problems({ name: "x", cursor: 0 }, updateConnectionSchema)).toEqual([{ path: "", message: 'Unrecognized key: "cursor"' }]);
  });

  it("refuses a non-boolean enabled", () => {
    expect(problems({ enabled: "yes" }, updateConnectionSchema)).toEqual([{ path: "enabled", message: "enabled must be true or false." }]);
  });

  it("applies the create rules to the fields given", () => {
    expect(paths({ name: "", url: "ftp://x/" }, updateConnectionSchema)).toEqual(["name", "url"]);
  });
});

describe("delivery settings", () => {
  it("accepts every format, and refuses an unknown one with the choices", () => {
    for (const format of ["EVENT", "JSON_ARRAY", "NDJSON", "SPLUNK_HEC"]) expect(paths({ ...valid, format })).toEqual([]);
    expect(problems({ ...valid, format: "XML" })).toEqual([{ path: "format", message: "Choose a format: EVENT, JSON_ARRAY, NDJSON or SPLUNK_HEC." }]);
  });

  it("bounds batches: 1–1,000 events, 1,024–5,242,880 bytes, 0–10,000 ms, whole numbers, no other field", () => {
    expect(paths({ ...valid, batch: { max_events: 1, max_bytes: 1024, max_wait_ms: 0 } })).toEqual([]);
    expect(paths({ ...valid, batch: { max_events: 1000, max_bytes: 5_242_880, max_wait_ms: 10_000 } })).toEqual([]);
    expect(paths({ ...valid, batch: { max_events: 0, max_bytes: 1023, max_wait_ms: -1 } })).toEqual(["batch.max_events", "batch.max_bytes", "batch.max_wait_ms"]);
    expect(paths({ ...valid, batch: { max_events: 1001, max_bytes: 5_242_881, max_wait_ms: 10_001 } })).toEqual(["batch.max_events", "batch.max_bytes", "batch.max_wait_ms"]);
    expect(paths({ ...valid, batch: { max_events: 1.5 } })).toEqual(["batch.max_events"]);
    expect(paths({ ...valid, batch: { size: 10 } })).toEqual(["batch"]);
  });

  it("takes exact event types and prefixes ending in *, and stores empty lists as no filter", () => {
    expect(connectionSettingsSchema.parse({ ...valid, event_filter: { include: ["USER_*", "ACCESS_GRANTED"] } }).event_filter).toEqual({
      include: ["USER_*", "ACCESS_GRANTED"],
      exclude: [],
    });
    expect(connectionSettingsSchema.parse({ ...valid, event_filter: { include: [], exclude: [] } }).event_filter).toBeNull();
    expect(connectionSettingsSchema.parse({ ...valid, event_filter: null }).event_filter).toBeNull();
    expect(paths({ ...valid, event_filter: { include: ["user_*"], exclude: ["*"] } })).toEqual(["event_filter.include.0", "event_filter.exclude.0"]);
    expect(paths({ ...valid, event_filter: { include: ["A*B"] } })).toEqual(["event_filter.include.0"]);
  });

  it("bounds the catch-up limit between a minute and 7 days, or none", () => {
    expect(paths({ ...valid, max_event_age_seconds: 64_800 })).toEqual([]);
    expect(paths({ ...valid, max_event_age_seconds: null })).toEqual([]);
    expect(paths({ ...valid, max_event_age_seconds: 59 })).toEqual(["max_event_age_seconds"]);
    expect(paths({ ...valid, max_event_age_seconds: 7 * 24 * 3600 + 1 })).toEqual(["max_event_age_seconds"]);
  });

  it("lets an edit change only how events are sent", () => {
    expect(updateConnectionSchema.parse({ format: "NDJSON", batch: { max_wait_ms: 50 }, compression: "GZIP" })).toEqual({
      format: "NDJSON",
      batch: { max_wait_ms: 50 },
      compression: "GZIP",
    });
  });
});

describe("connection form", () => {
  const form = (type: "NONE" | "API_KEY" | "HMAC", keys: { key: string; value: string; add_to: "HEADER" | "QUERY" }[] = []) =>
    formDefaults({ name: " Datadog ", url: "https://http-intake.logs.datadoghq.com/api/v2/logs", auth: { type, keys } });

  it("sends the API's shape: keys only with API_KEY, trimmed like the API trims, the seed's delivery by default", () => {
    expect(newConnectionFormSchema.parse(form("HMAC", [{ key: "left", value: "over", add_to: "HEADER" }]))).toEqual({
      name: "Datadog",
      url: "https://http-intake.logs.datadoghq.com/api/v2/logs",
      auth: { type: "HMAC" },
      format: "EVENT",
      compression: "NONE",
      event_filter: null,
      max_event_age_seconds: null,
    });
  });

  it("sends batch bounds as numbers for a batch format, and leaves them out for EVENT (where they are hidden)", () => {
    const batched = newConnectionFormSchema.parse({ ...form("NONE"), format: "JSON_ARRAY", batch: { max_events: "1000", max_bytes: "5000000", max_wait_ms: "250" } });
    expect(batched.batch).toEqual({ max_events: 1000, max_bytes: 5_000_000, max_wait_ms: 250 });
    expect(newConnectionFormSchema.parse({ ...form("NONE"), batch: { max_events: "", max_bytes: "x", max_wait_ms: "" } }).batch).toBeUndefined();
  });

  it("shows the API's batch rules at the batch fields", () => {
    const r = newConnectionFormSchema.safeParse({ ...form("NONE"), format: "NDJSON", batch: { max_events: "", max_bytes: "9999999", max_wait_ms: "1.5" } });
    expect(r.success ? [] : fieldErrors(r.error.issues)).toEqual([
      { path: "batch.max_events", message: "Enter the events per request as a whole number from 1 to 1,000." },
      { path: "batch.max_bytes", message: "Use at most 5,242,880." },
      { path: "batch.max_wait_ms", message: "Enter the wait in milliseconds as a whole number from 0 to 10,000." },
    ]);
  });

  it("turns the filter lists and the catch-up limit into the API's shape", () => {
    const parsed = newConnectionFormSchema.parse({ ...form("NONE"), event_filter: { include: ["USER_*"], exclude: [] }, max_event_age_seconds: "64800" });
    expect(parsed.event_filter).toEqual({ include: ["USER_*"], exclude: [] });
    expect(parsed.max_event_age_seconds).toBe(64_800);
    const r = newConnectionFormSchema.safeParse({ ...form("NONE"), event_filter: { include: ["user logged in"], exclude: [] }, max_event_age_seconds: "30" });
    expect(r.success ? [] : fieldErrors(r.error.issues).map((p) => p.path)).toEqual(["event_filter.include.0", "max_event_age_seconds"]);
  });

  it("leaves a blank value out on edit, so the stored value of that key is kept", () => {
    const parsed = editConnectionFormSchema.parse(form("API_KEY", [{ key: "DD-API-KEY", value: "", add_to: "HEADER" }, { key: "ddtags", value: "env:prod", add_to: "QUERY" }]));
    expect(parsed.auth).toEqual({ type: "API_KEY", keys: [{ key: "DD-API-KEY", add_to: "HEADER" }, { key: "ddtags", value: "env:prod", add_to: "QUERY" }] });
  });

  it("asks for every value of a new connection, at the field the form shows", () => {
    const r = newConnectionFormSchema.safeParse(form("API_KEY", [{ key: "DD-API-KEY", value: "", add_to: "HEADER" }]));
    expect(r.success ? [] : fieldErrors(r.error.issues)).toEqual([{ path: "auth.keys.0.value", message: "Enter a value." }]);
  });

  it("shows the API's own rules at the form's paths", () => {
    const r = editConnectionFormSchema.safeParse({ ...form("API_KEY", [{ key: "Bad Header", value: "v", add_to: "HEADER" }]), url: "ftp://x" });
    expect(r.success ? [] : fieldErrors(r.error.issues).map((p) => p.path)).toEqual(["url", "auth.keys.0.key"]);
  });
});
