import { operatorRoute } from "@/lib/api/handler";
import { db } from "@/lib/db/client";
import { jobSender } from "@/lib/jobs/boss";
import { resendInvitation } from "@/lib/members/service";
import { operatorIn, resolveOrganization } from "@/lib/organizations/service";

// Resends an invited person's invitation email: a new link, valid 72 hours; the earlier one stops working.
export const POST = operatorRoute<{ org: string; userId: string }>(async (_req, { meta, params }) => {
  const org = await resolveOrganization(db(), params.org);
  return Response.json(await resendInvitation({ db: db(), boss: jobSender() }, operatorIn(org.id, meta), params.userId));
});
