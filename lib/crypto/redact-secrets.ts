/** Removes any secret value from text that came back from a destination (it may echo headers). */
export function redactSecrets(text: string | null, secrets: readonly string[]): string | null {
  if (text === null) return null;
  let out = text;
  for (const s of secrets) if (s.length >= 4) out = out.split(s).join("[redacted]");
  // Response excerpts are read up to a byte limit, which can cut an echoed secret short: mask a trailing start of one too.
  for (const s of secrets) {
    for (let n = Math.min(s.length - 1, out.length); n >= 4; n--) {
      if (out.endsWith(s.slice(0, n))) {
        out = `${out.slice(0, out.length - n)}[redacted]`;
        break;
      }
    }
  }
  return out;
}
