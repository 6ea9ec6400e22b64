import { apiRoute } from "@/lib/api/handler";
import { serviceDeps } from "@/lib/connections/deps";
import { setEnabled } from "@/lib/connections/service";

export const POST = apiRoute<{ id: string }>(async (_req, { actor, params }) =>
  Response.json(await setEnabled(serviceDeps(), actor, params.id, false)),
);
