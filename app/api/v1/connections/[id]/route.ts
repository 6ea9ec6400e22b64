import { apiRoute, readJson } from "@/lib/api/handler";
import { serviceDeps } from "@/lib/connections/deps";
import { deleteConnection, getConnection, updateConnection } from "@/lib/connections/service";

type Params = { id: string };

export const GET = apiRoute<Params>(async (_req, { principal, params }) =>
  Response.json(await getConnection(serviceDeps(), principal.organizationId, params.id)),
);

export const PATCH = apiRoute<Params>(async (req, { actor, params }) => {
  const updated = await updateConnection(serviceDeps(), actor, params.id, await readJson(req));
  return Response.json(
    { ...updated.connection, ...(updated.hmacSecret ? { hmac_secret: updated.hmacSecret } : {}) },
    { headers: { "cache-control": "no-store" } },
  );
});

export const DELETE = apiRoute<Params>(async (_req, { actor, params }) => {
  await deleteConnection(serviceDeps(), actor, params.id);
  return new Response(null, { status: 204 });
});
