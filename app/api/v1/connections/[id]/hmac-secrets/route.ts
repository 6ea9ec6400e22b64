import { apiRoute } from "@/lib/api/handler";
import { serviceDeps } from "@/lib/connections/deps";
import { addHmacSecret } from "@/lib/connections/service";

export const POST = apiRoute<{ id: string }>(async (_req, { actor, params }) =>
  Response.json(await addHmacSecret(serviceDeps(), actor, params.id), { status: 201, headers: { "cache-control": "no-store" } }),
);
