/** The client's IP (first X-Forwarded-For hop, as set by Next.js or a proxy) and user agent. */
export function requestMeta(headers: { get(name: string): string | null }) {
  const forwarded = headers.get("x-forwarded-for")?.split(",")[0]?.trim();
  const ip = forwarded || headers.get("x-real-ip") || null;
  return { ipAddress: ip ? ip.replace(/^::ffff:/, "") : null, userAgent: headers.get("user-agent") };
}
