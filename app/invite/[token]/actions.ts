"use server";

import { headers } from "next/headers";
import { runAction } from "@/lib/api/action-result";
import { requestMeta } from "@/lib/api/request-meta";
import { db } from "@/lib/db/client";
import { log } from "@/lib/log";
import { acceptInvitation } from "@/lib/members/invitations";

// Public by design: the invitation's token (256 random bits, single use) is the credential.
export async function acceptInvitationAction(input: unknown) {
  return runAction("acceptInvitation", async () => {
    const accepted = await acceptInvitation(db(), requestMeta(await headers()), input);
    log().info({ event: "invitation_accepted" }, "invitation accepted");
    return accepted;
  });
}
