// What Tributary knows of an intake's hard limits, from its URL (pure). A batch is never built
// larger than these whatever the connection's settings, and an event that alone exceeds them is
// recorded as rejected instead of being sent.

export type IntakeLimits = { name: string; maxRequestBytes: number; maxEvents: number };

// https://docs.datadoghq.com/api/latest/logs/ — 5 MB uncompressed per request (the Datadog Agent
// counts it as 5,000,000 bytes), at most 1,000 entries in an array.
const DATADOG_HOST = /^http-intake\.logs\.([a-z0-9-]+\.)*(datadoghq\.com|datadoghq\.eu|ddog-gov\.com)$/;

export function intakeLimits(url: string): IntakeLimits | null {
  let host: string;
  try {
    host = new URL(url).hostname.toLowerCase();
  } catch {
    return null;
  }
  if (DATADOG_HOST.test(host)) return { name: "Datadog", maxRequestBytes: 5_000_000, maxEvents: 1000 };
  return null;
}
