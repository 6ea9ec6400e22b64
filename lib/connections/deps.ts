import { getConfig } from "../config";
import { secretBox } from "../crypto/secret-box";
import { db } from "../db/client";
import { pgPool } from "../db/pool";
import { createHttpClient } from "../delivery/http-client";
import { parseAllowList } from "../delivery/outbound-guard";
import type { ServiceDeps } from "./service";

const holder = globalThis as unknown as { __tributaryServiceDeps?: ServiceDeps };

/** The web process's wiring of the connection service (one keep-alive HTTP client per process). */
export function serviceDeps(): ServiceDeps {
  if (!holder.__tributaryServiceDeps) {
    const config = getConfig();
    const allow = parseAllowList(config.outboundAllowCidrs);
    holder.__tributaryServiceDeps = {
      db: db(),
      pool: pgPool(),
      config,
      box: secretBox(config),
      allow,
      http: createHttpClient({ allow, connectTimeoutMs: config.delivery.connectTimeoutMs, responseTimeoutMs: config.delivery.timeoutMs }),
    };
  }
  return holder.__tributaryServiceDeps;
}
