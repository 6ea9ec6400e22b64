import { apiRoute } from "@/lib/api/handler";
import { serviceDeps } from "@/lib/connections/deps";
import { retireHmacSecret } from "@/lib/connections/service";

export const DELETE = apiRoute<{ id: string; secretId: string }>(async (_req, { actor, params }) => {
  await retireHmacSecret(serviceDeps(), actor, params.id, params.secretId);
  return new Response(null, { status: 204 });
});
