import { z } from "zod";
import { EVENT_PATTERN, normalizeEventFilter } from "../delivery/event-filter";
import { COMPRESSIONS, DELIVERY_FORMATS } from "../delivery/formats/wire-format";

// One set of rules for the form (react-hook-form), the server action and the REST API.

export const MAX_API_KEYS = 5;

// RFC 9110 token characters.
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const RESERVED_HEADERS = new Set(["host", "content-length", "content-type", "transfer-encoding", "connection", "te", "upgrade", "trailer", "keep-alive", "expect"]);

export function headerNameProblem(name: string): string | null {
  if (!HEADER_NAME.test(name)) return "A header name may only contain letters, digits and !#$%&'*+-.^_`|~ (no spaces or colons).";
  const lower = name.toLowerCase();
  if (RESERVED_HEADERS.has(lower)) return `${name} is set by Tributary and cannot be overridden.`;
  if (lower.startsWith("x-opal-")) return "X-Opal-* headers are reserved for the HMAC signature.";
  return null;
}

export const connectionNameSchema = z
  .string({ error: "Enter a name." })
  .trim()
  .min(1, "Enter a name, such as “Datadog production”.")
  .max(100, "Use at most 100 characters.");

export const connectionUrlSchema = z
  .string({ error: "Enter the destination URL." })
  .trim()
  .min(1, "Enter the destination URL.")
  .max(2048, "Use at most 2,048 characters.")
  .refine((v) => {
    try {
      const u = new URL(v);
      return (u.protocol === "https:" || u.protocol === "http:") && u.hostname.length > 0;
    } catch {
      return false;
    }
  }, "Enter a full http:// or https:// URL, such as https://logs.example.com/intake.")
  .meta({ format: "uri", description: "An http:// or https:// URL" });

export const apiKeySchema = z
  .object({
    key: z
      .string({ error: "Enter a key." })
      .trim()
      .min(1, "Enter a key.")
      .max(256, "Use at most 256 characters.")
      .meta({ description: "Header name (RFC 9110 token) or query parameter name" }),
    value: z.string().max(8192, "Use at most 8,192 characters.").optional().meta({ description: "On PATCH, omit to keep the stored value of the same key" }),
    add_to: z.enum(["HEADER", "QUERY"], { error: "Choose Header or Query Parameter." }),
  })
  .superRefine((item, ctx) => {
    if (item.add_to === "HEADER") {
      const problem = headerNameProblem(item.key);
      if (problem) ctx.addIssue({ code: "custom", path: ["key"], message: problem });
    }
    if (item.value !== undefined && /[\r\n\0]/.test(item.value)) {
      ctx.addIssue({ code: "custom", path: ["value"], message: "The value cannot contain line breaks." });
    }
  });

export const authSchema = z.discriminatedUnion(
  "type",
  [
    z.object({ type: z.literal("NONE") }),
    z.object({
      type: z.literal("API_KEY"),
      keys: z
        .array(apiKeySchema, { error: "Add at least one key." })
        .min(1, "Add at least one key.")
        .max(MAX_API_KEYS, `Use at most ${MAX_API_KEYS} keys.`)
        .superRefine((keys, ctx) => {
          const seen = new Set<string>();
          keys.forEach((k, i) => {
            const id = `${k.add_to}:${k.add_to === "HEADER" ? k.key.toLowerCase() : k.key}`;
            if (seen.has(id)) ctx.addIssue({ code: "custom", path: [i, "key"], message: "This key is already used." });
            seen.add(id);
          });
        }),
    }),
    z.object({ type: z.literal("HMAC") }),
  ],
  { error: "Choose an authorization type: NONE, API_KEY or HMAC." },
);

export const MAX_BATCH_EVENTS = 1000;
export const MAX_BATCH_BYTES = 5_242_880;
export const MIN_BATCH_BYTES = 1024;
export const MAX_BATCH_WAIT_MS = 10_000;
export const MAX_FILTER_ENTRIES = 100;
/** The catch-up limit's range: a minute to the 7 days after which the seed's rule skips everything anyway. */
export const MIN_EVENT_AGE_SECONDS = 60;
export const MAX_EVENT_AGE_SECONDS = 7 * 24 * 3600;

export const formatSchema = z
  .enum(DELIVERY_FORMATS, { error: "Choose a format: EVENT, JSON_ARRAY, NDJSON or SPLUNK_HEC." })
  .meta({
    description:
      "EVENT: one event per POST, the body JSON.stringify(event) (default). JSON_ARRAY: [event, …]. NDJSON: one event per line (application/x-ndjson). SPLUNK_HEC: concatenated {\"time\", \"sourcetype\": \"opal:event\", \"event\"} envelopes.",
  });

const wholeNumber = (what: string, min: number, max: number) =>
  z
    .int({ error: `Enter ${what} as a whole number from ${min.toLocaleString("en-US")} to ${max.toLocaleString("en-US")}.` })
    .min(min, `Use at least ${min.toLocaleString("en-US")}.`)
    .max(max, `Use at most ${max.toLocaleString("en-US")}.`);

export const batchSchema = z
  .object({
    max_events: wholeNumber("the events per request", 1, MAX_BATCH_EVENTS).optional().meta({ description: "Events per request (default 500)" }),
    max_bytes: wholeNumber("the bytes per request", MIN_BATCH_BYTES, MAX_BATCH_BYTES)
      .optional()
      .meta({ description: "Uncompressed bytes per request (default 1,000,000); an event larger than this goes alone" }),
    max_wait_ms: wholeNumber("the wait in milliseconds", 0, MAX_BATCH_WAIT_MS)
      .optional()
      .meta({ description: "How long the first event of a batch that is not full waits for more (default 1,000)" }),
  })
  .strict()
  .meta({ description: "Batch bounds, ignored for EVENT; on PATCH, fields left out keep their values" });

export const compressionSchema = z.enum(COMPRESSIONS, { error: "Choose NONE or GZIP." }).meta({ description: "GZIP: Content-Encoding: gzip (HMAC signs the uncompressed body)" });

const eventPatternSchema = z
  .string()
  .trim()
  .max(128, "Use at most 128 characters.")
  .regex(EVENT_PATTERN, "Use an event type such as USER_LOGGED_IN, or a prefix ending in * such as USER_*.");
const eventPatternList = z
  .array(eventPatternSchema)
  .max(MAX_FILTER_ENTRIES, `Use at most ${MAX_FILTER_ENTRIES} entries.`)
  .optional()
  .transform((v) => v ?? []);

export const eventFilterSchema = z
  .object({ include: eventPatternList, exclude: eventPatternList })
  .strict()
  .nullable()
  .transform((f) => normalizeEventFilter(f))
  .meta({
    description:
      "Which event types are sent: include (all when empty) minus exclude; exact types or prefixes ending in *. Filtered events move the cursor without a request; the test event always passes. Empty lists are stored as null.",
  });

export const maxEventAgeSchema = wholeNumber("the catch-up limit in seconds", MIN_EVENT_AGE_SECONDS, MAX_EVENT_AGE_SECONDS)
  .nullable()
  .meta({
    description:
      "The destination refuses events older than this many seconds (Datadog: 64,800 = 18 h). Re-enabling a paused connection skips the events older than that, lists them as given up and records the range; null: only the 7-day rule.",
  });

/** How events go out; every field optional (a new connection gets the seed's behaviour, an edit keeps what it leaves out). */
const deliveryFields = {
  format: formatSchema.optional(),
  batch: batchSchema.optional(),
  compression: compressionSchema.optional(),
  event_filter: eventFilterSchema.optional(),
  max_event_age_seconds: maxEventAgeSchema.optional(),
};

/** A connection's settings as an edit saves them: an API key may leave its value out to keep the stored one. */
export const connectionSettingsSchema = z.object({
  name: connectionNameSchema,
  url: connectionUrlSchema,
  auth: authSchema,
  ...deliveryFields,
});

export const updateConnectionSchema = z
  .object({
    name: connectionNameSchema.optional(),
    url: connectionUrlSchema.optional(),
    auth: authSchema.optional(),
    enabled: z.boolean({ error: "enabled must be true or false." }).optional(),
    ...deliveryFields,
  })
  .strict();

export type AuthInput = z.infer<typeof authSchema>;
export type ConnectionSettings = z.infer<typeof connectionSettingsSchema>;
export type UpdateConnectionInput = z.infer<typeof updateConnectionSchema>;
export type DeliveryInput = Pick<ConnectionSettings, keyof typeof deliveryFields>;

/** New connections need every API key value; edits may leave a value out to keep it. */
export function missingKeyValues(auth: AuthInput | undefined): { path: string; message: string }[] {
  if (auth?.type !== "API_KEY") return [];
  return auth.keys.flatMap((k, i) =>
    k.value === undefined || k.value.length === 0 ? [{ path: `auth.keys.${i}.value`, message: "Enter a value." }] : [],
  );
}

/** A new connection: the same rules, plus every API key needs its value. */
export const newConnectionSchema = connectionSettingsSchema.superRefine((v, ctx) => {
  for (const m of missingKeyValues(v.auth)) {
    ctx.addIssue({ code: "custom", path: m.path.split(".").map((p) => (/^\d+$/.test(p) ? Number(p) : p)), message: m.message });
  }
}).meta({ description: "A new connection; every API key needs its value" });

// The connection form keeps a key list whatever the authorization type (switching back loses nothing
// typed) and an empty string for a value left blank; the transform turns that into the API's shape,
// and the API's own schema then validates it, so the form shows the server's rules at the same paths.
// Numbers are kept as the text typed (an empty or partial number is the API schema's to refuse, at the
// same path); batch bounds are left out for EVENT, where they do not apply and may be hidden.
const connectionFormFields = z.object({
  name: z.string(),
  url: z.string(),
  auth: z.object({
    type: z.enum(["NONE", "API_KEY", "HMAC"]),
    keys: z.array(z.object({ key: z.string(), value: z.string(), add_to: z.enum(["HEADER", "QUERY"]) })),
  }),
  format: z.enum(DELIVERY_FORMATS),
  batch: z.object({ max_events: z.string(), max_bytes: z.string(), max_wait_ms: z.string() }),
  compression: z.enum(COMPRESSIONS),
  event_filter: z.object({ include: z.array(z.string()), exclude: z.array(z.string()) }),
  /** Seconds as text; empty: no catch-up limit. */
  max_event_age_seconds: z.string(),
});

const typedNumber = (v: string) => (v.trim() === "" ? Number.NaN : Number(v));

const toApiShape = ({
  name,
  url,
  auth,
  format,
  batch,
  compression,
  event_filter,
  max_event_age_seconds,
}: z.output<typeof connectionFormFields>): z.input<typeof connectionSettingsSchema> => ({
  name,
  url,
  auth:
    auth.type === "API_KEY"
      ? { type: auth.type, keys: auth.keys.map(({ key, value, add_to }) => (value === "" ? { key, add_to } : { key, value, add_to })) }
      : { type: auth.type },
  format,
  batch:
    format === "EVENT"
      ? undefined
      : { max_events: typedNumber(batch.max_events), max_bytes: typedNumber(batch.max_bytes), max_wait_ms: typedNumber(batch.max_wait_ms) },
  compression,
  event_filter,
  max_event_age_seconds: max_event_age_seconds.trim() === "" ? null : typedNumber(max_event_age_seconds),
});

/** Adding a connection: every API key needs its value. */
export const newConnectionFormSchema = connectionFormFields.transform(toApiShape).pipe(newConnectionSchema);
/** Editing one: a blank value keeps the stored value of the same key. */
export const editConnectionFormSchema = connectionFormFields.transform(toApiShape).pipe(connectionSettingsSchema);
export type ConnectionFormValues = z.input<typeof newConnectionFormSchema>;
