import { loadConfig, type Config } from "../../lib/config";

/** A Config as an operator would set it, from an env-like object (process.env is not consulted). */
export function testConfig(env: Record<string, string | undefined> = {}): Config {
  return loadConfig({ NODE_ENV: "test", LOG_LEVEL: "silent", ...env });
}
