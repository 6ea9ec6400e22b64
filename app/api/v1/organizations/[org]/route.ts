import { operatorRoute, readJson } from "@/lib/api/handler";
import { db } from "@/lib/db/client";
import { deleteOrganization, getOrganization, updateOrganization } from "@/lib/organizations/service";

type Params = { org: string };

export const GET = operatorRoute<Params>(async (_req, { params }) => Response.json(await getOrganization(db(), params.org)));

export const PATCH = operatorRoute<Params>(async (req, { meta, params }) =>
  Response.json(await updateOrganization(db(), meta, params.org, await readJson(req))),
);

export const DELETE = operatorRoute<Params>(async (_req, { meta, params }) => {
  await deleteOrganization(db(), meta, params.org);
  return new Response(null, { status: 204 });
});
