// A destination may echo what it was sent — raw, percent-encoded (a query parameter), JSON-escaped,
// base64-encoded (alone or inside a larger base64 blob), or, for an `Authorization: Basic
// base64(id:key)` value such as Sumo Logic's, decoded back to `id:key` or either half of it.

/** Secrets at least this long are masked wherever they occur; shorter ones only as a whole word. */
const MIN_ANYWHERE = 4;
/** A base64 run shorter than this matches ordinary text too often to be worth masking on its own. */
const MIN_BASE64_CORE = 6;
const MASK = "[redacted]";

const lowerHex = (s: string) => s.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase());
const urlSafe = (b64: string) => b64.replace(/\+/g, "-").replace(/\//g, "_");

function percentForms(s: string): string[] {
  const component = encodeURIComponent(s);
  const strict = component.replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  const form = new URLSearchParams({ v: s }).toString().slice(2);
  return [component, strict, form].flatMap((f) => [f, lowerHex(f)]);
}

/**
 * The base64 characters that encode `s` whatever bytes surround it: `s` starts at one of three
 * offsets within a 3-byte group, and the characters that share bits with neighbouring bytes differ.
 */
function base64Forms(s: string): string[] {
  const bytes = Buffer.from(s, "utf8");
  const whole = bytes.toString("base64");
  const forms = [whole, whole.replace(/=+$/, "")];
  for (let shift = 0; shift < 3; shift++) {
    const b64 = Buffer.concat([Buffer.alloc(shift), bytes]).toString("base64");
    const core = b64.slice(Math.ceil((8 * shift) / 6), Math.floor((8 * (shift + bytes.length)) / 6));
    if (core.length >= MIN_BASE64_CORE) forms.push(core);
  }
  return forms.flatMap((f) => [f, urlSafe(f)]);
}

/** `s` as text when it is the canonical base64 of printable UTF-8 (so ordinary words are not "decoded"). */
function decodedBase64(s: string): string | null {
  if (s.length < 8 || !/^[A-Za-z0-9+/_-]+={0,2}$/.test(s)) return null;
  const standard = s.replace(/-/g, "+").replace(/_/g, "/");
  const bytes = Buffer.from(standard, "base64");
  if (bytes.toString("base64").replace(/=+$/, "") !== standard.replace(/=+$/, "")) return null;
  const text = bytes.toString("utf8");
  return /^[\x20-\x7e\u00a0-\uffff]+$/.test(text) && !text.includes("\ufffd") ? text : null;
}

/** The pieces of a secret that are secrets by themselves: the credential after an auth scheme, and what base64 hides. */
function parts(secret: string): string[] {
  const out: string[] = [];
  const scheme = /^[A-Za-z][\w-]*\s+(\S+)$/.exec(secret);
  if (scheme) out.push(scheme[1]!);
  for (const candidate of [secret, ...out]) {
    const decoded = decodedBase64(candidate);
    if (decoded === null) continue;
    out.push(decoded, ...decoded.split(":"));
  }
  return out.filter((p) => p.length >= MIN_ANYWHERE && p !== secret);
}

/** Every spelling of `secret` to mask, longest first. */
export function secretForms(secret: string): string[] {
  if (secret.length < MIN_ANYWHERE) return [secret];
  const forms = new Set<string>();
  for (const s of [secret, ...parts(secret)]) {
    const json = JSON.stringify(s).slice(1, -1);
    for (const f of [s, json, json.replace(/\//g, "\\/"), ...percentForms(s), ...base64Forms(s)]) {
      if (f.length >= MIN_ANYWHERE) forms.add(f);
    }
  }
  return [...forms].sort((a, b) => b.length - a.length);
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

// Streamers pass the same array for every failure of a connection: derive its forms once.
const formsCache = new WeakMap<readonly string[], { long: string[]; short: RegExp[] }>();

function formsOf(secrets: readonly string[]) {
  let cached = formsCache.get(secrets);
  if (!cached) {
    const present = secrets.filter((s) => s.length > 0);
    cached = {
      long: [...new Set(present.filter((s) => s.length >= MIN_ANYWHERE).flatMap(secretForms))].sort((a, b) => b.length - a.length),
      // A one-to-three character secret masked everywhere would shred ordinary words; as a whole
      // word ("key=abc", "\"abc\"") it is still the value a destination echoed.
      short: present.filter((s) => s.length < MIN_ANYWHERE).map((s) => new RegExp(`(?<![A-Za-z0-9])${escapeRegExp(s)}(?![A-Za-z0-9])`, "g")),
    };
    formsCache.set(secrets, cached);
  }
  return cached;
}

/** Removes any secret value, in any spelling above, from text that came back from a destination. */
export function redactSecrets(text: string | null, secrets: readonly string[]): string | null {
  if (text === null || secrets.length === 0) return text;
  const { long, short } = formsOf(secrets);
  let out = text;
  for (const f of long) if (out.includes(f)) out = out.split(f).join(MASK);
  for (const re of short) out = out.replace(re, MASK);
  // Response excerpts are read up to a byte limit, which can cut an echoed secret short: mask a trailing start of one too.
  for (const f of long) {
    for (let n = Math.min(f.length - 1, out.length); n >= MIN_ANYWHERE; n--) {
      if (out.endsWith(f.slice(0, n))) {
        out = `${out.slice(0, out.length - n)}${MASK}`;
        break;
      }
    }
  }
  return out;
}
