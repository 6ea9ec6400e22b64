import { apiRoute, readJson } from "@/lib/api/handler";
import { issueToken, tokensOf } from "@/lib/auth/token-service";
import { db } from "@/lib/db/client";

export const GET = apiRoute(async (_req, { principal }) => Response.json({ data: await tokensOf(db(), principal.organizationId) }));

export const POST = apiRoute(async (req, { actor }) =>
  Response.json(await issueToken(db(), actor, await readJson(req)), { status: 201, headers: { "cache-control": "no-store" } }),
);
