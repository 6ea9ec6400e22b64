// Where to go after sign-in: only a path on this site. Browsers read `/\evil.example` and
// `//evil.example` as another host, and drop tabs and newlines inside URLs, so the value is
// resolved the way a browser would and kept only if it stays on this origin.
const BASE = "http://tributary.invalid";

export function safeCallbackPath(value: string | string[] | undefined, appUrl?: string): string {
  let v = Array.isArray(value) ? value[0] : value;
  if (!v) return "/";
  if (appUrl && (v === appUrl || v.startsWith(`${appUrl}/`) || v.startsWith(`${appUrl}?`))) v = v.slice(appUrl.length) || "/";
  if (!v.startsWith("/")) return "/";
  let url: URL;
  try {
    url = new URL(v, BASE);
  } catch {
    return "/";
  }
  if (url.origin !== BASE) return "/";
  return `${url.pathname}${url.search}${url.hash}`;
}
