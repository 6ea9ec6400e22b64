import { apiRoute, readJson } from "@/lib/api/handler";
import { pgPool } from "@/lib/db/pool";
import { parseRedeliveryRequest, requestRedelivery } from "@/lib/failures/redelivery";
import { jobSender } from "@/lib/jobs/boss";

export const POST = apiRoute(async (req, { actor }) => {
  const criteria = parseRedeliveryRequest(await readJson(req));
  const redelivery = await requestRedelivery(pgPool(), jobSender(), actor, criteria);
  return Response.json(redelivery, { status: 202, headers: { location: `/api/v1/failures/redeliveries/${redelivery.id}` } });
});
