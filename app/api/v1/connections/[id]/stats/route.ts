import { apiRoute } from "@/lib/api/handler";
import { serviceDeps } from "@/lib/connections/deps";
import { assertConnection } from "@/lib/connections/service";
import { connectionStats, parseStatsQuery } from "@/lib/health/connection-stats";

export const GET = apiRoute<{ id: string }>(async (req, { principal, params }) => {
  const window = parseStatsQuery(Object.fromEntries(new URL(req.url).searchParams));
  const deps = serviceDeps();
  await assertConnection(deps, principal.organizationId, params.id);
  return Response.json(await connectionStats(deps.pool, principal.organizationId, params.id, window));
});
