import { apiRoute } from "@/lib/api/handler";
import { pgPool } from "@/lib/db/pool";
import { listFailureGroups, listFailures, parseFailuresQuery } from "@/lib/failures/list-failures";

export const GET = apiRoute(async (req, { principal }) => {
  const query = parseFailuresQuery(Object.fromEntries(new URL(req.url).searchParams));
  const list = query.group === "event" ? listFailureGroups : listFailures;
  return Response.json(await list(pgPool(), principal.organizationId, query));
});
