import { z } from "zod";

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

/** A connection's settings as an edit saves them: an API key may leave its value out to keep the stored one. */
export const connectionSettingsSchema = z.object({
  name: connectionNameSchema,
  url: connectionUrlSchema,
  auth: authSchema,
});

export const updateConnectionSchema = z
  .object({
    name: connectionNameSchema.optional(),
    url: connectionUrlSchema.optional(),
    auth: authSchema.optional(),
    enabled: z.boolean({ error: "enabled must be true or false." }).optional(),
  })
  .strict();

export type AuthInput = z.infer<typeof authSchema>;
export type ConnectionSettings = z.infer<typeof connectionSettingsSchema>;
export type UpdateConnectionInput = z.infer<typeof updateConnectionSchema>;

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
const connectionFormFields = z.object({
  name: z.string(),
  url: z.string(),
  auth: z.object({
    type: z.enum(["NONE", "API_KEY", "HMAC"]),
    keys: z.array(z.object({ key: z.string(), value: z.string(), add_to: z.enum(["HEADER", "QUERY"]) })),
  }),
});

const toApiShape = ({ name, url, auth }: z.output<typeof connectionFormFields>) => ({
  name,
  url,
  auth:
    auth.type === "API_KEY"
      ? { type: auth.type, keys: auth.keys.map(({ key, value, add_to }) => (value === "" ? { key, add_to } : { key, value, add_to })) }
      : { type: auth.type },
});

/** Adding a connection: every API key needs its value. */
export const newConnectionFormSchema = connectionFormFields.transform(toApiShape).pipe(newConnectionSchema);
/** Editing one: a blank value keeps the stored value of the same key. */
export const editConnectionFormSchema = connectionFormFields.transform(toApiShape).pipe(connectionSettingsSchema);
export type ConnectionFormValues = z.input<typeof newConnectionFormSchema>;
