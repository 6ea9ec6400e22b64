import { apiRoute, readJson } from "@/lib/api/handler";
import { serviceDeps } from "@/lib/connections/deps";
import { createConnection, listConnections } from "@/lib/connections/service";

export const GET = apiRoute(async (_req, { principal }) =>
  Response.json({ data: await listConnections(serviceDeps(), principal.organizationId) }),
);

export const POST = apiRoute(async (req, { actor }) => {
  const created = await createConnection(serviceDeps(), actor, await readJson(req));
  return Response.json(
    { ...created.connection, ...(created.hmacSecret ? { hmac_secret: created.hmacSecret } : {}) },
    { status: 201, headers: { "cache-control": "no-store" } },
  );
});
