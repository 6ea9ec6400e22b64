import { apiRoute } from "@/lib/api/handler";
import { pgPool } from "@/lib/db/pool";
import { listFailures, parseFailuresQuery } from "@/lib/failures/list-failures";

export const GET = apiRoute(async (req, { principal }) => {
  const query = parseFailuresQuery(Object.fromEntries(new URL(req.url).searchParams));
  return Response.json(await listFailures(pgPool(), principal.organizationId, query));
});
