import { operatorRoute, readJson } from "@/lib/api/handler";
import { db } from "@/lib/db/client";
import { jobSender } from "@/lib/jobs/boss";
import { inviteMember, listMembers } from "@/lib/members/service";
import { operatorIn, resolveOrganization } from "@/lib/organizations/service";

type Params = { org: string };

export const GET = operatorRoute<Params>(async (_req, { params }) => {
  const org = await resolveOrganization(db(), params.org);
  return Response.json({ data: await listMembers(db(), org.id) });
});

export const POST = operatorRoute<Params>(async (req, { meta, params }) => {
  const org = await resolveOrganization(db(), params.org);
  const member = await inviteMember({ db: db(), boss: jobSender() }, operatorIn(org.id, meta), await readJson(req));
  return Response.json(member, { status: 201 });
});
