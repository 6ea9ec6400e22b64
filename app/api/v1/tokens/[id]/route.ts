import { apiRoute } from "@/lib/api/handler";
import { revokeToken } from "@/lib/auth/token-service";
import { db } from "@/lib/db/client";

export const DELETE = apiRoute<{ id: string }>(async (_req, { actor, params }) => {
  await revokeToken(db(), actor, params.id);
  return new Response(null, { status: 204 });
});
