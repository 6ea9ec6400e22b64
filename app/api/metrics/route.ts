import { apiRoute } from "@/lib/api/handler";
import { pgPool } from "@/lib/db/pool";
import { renderMetrics } from "@/lib/delivery/prometheus";

// Prometheus scrape target; authenticate with `bearer_token` set to an admin API token.
export const GET = apiRoute(async (_req, { principal }) =>
  new Response(await renderMetrics(pgPool(), principal.organizationId), {
    headers: { "content-type": "text/plain; version=0.0.4; charset=utf-8", "cache-control": "no-store" },
  }),
);
