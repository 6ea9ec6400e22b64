import { operatorRoute, readJson } from "@/lib/api/handler";
import { db } from "@/lib/db/client";
import { getMember, removeMember, updateMember } from "@/lib/members/service";
import { operatorIn, resolveOrganization } from "@/lib/organizations/service";

type Params = { org: string; userId: string };

export const GET = operatorRoute<Params>(async (_req, { params }) => {
  const org = await resolveOrganization(db(), params.org);
  return Response.json(await getMember(db(), org.id, params.userId));
});

export const PATCH = operatorRoute<Params>(async (req, { meta, params }) => {
  const org = await resolveOrganization(db(), params.org);
  return Response.json(await updateMember({ db: db() }, operatorIn(org.id, meta), params.userId, await readJson(req)));
});

export const DELETE = operatorRoute<Params>(async (_req, { meta, params }) => {
  const org = await resolveOrganization(db(), params.org);
  await removeMember({ db: db() }, operatorIn(org.id, meta), params.userId);
  return new Response(null, { status: 204 });
});
