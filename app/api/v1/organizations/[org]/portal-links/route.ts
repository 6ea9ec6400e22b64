import { operatorRoute, readJson } from "@/lib/api/handler";
import { getConfig } from "@/lib/config";
import { db } from "@/lib/db/client";
import { operatorIn, resolveOrganization } from "@/lib/organizations/service";
import { mintPortalLink } from "@/lib/portal/portal-links";

export const POST = operatorRoute<{ org: string }>(async (req, { meta, params }) => {
  const org = await resolveOrganization(db(), params.org);
  const link = await mintPortalLink(db(), getConfig().appUrl, operatorIn(org.id, meta), await readJson(req));
  return Response.json(link, { status: 201, headers: { "cache-control": "no-store" } });
});
