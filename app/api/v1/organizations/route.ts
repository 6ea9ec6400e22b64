import { operatorRoute, readJson } from "@/lib/api/handler";
import { db } from "@/lib/db/client";
import { createOrganization, listOrganizations } from "@/lib/organizations/service";

export const GET = operatorRoute(async (req) => Response.json(await listOrganizations(db(), Object.fromEntries(new URL(req.url).searchParams))));

export const POST = operatorRoute(async (req, { meta }) => Response.json(await createOrganization(db(), meta, await readJson(req)), { status: 201 }));
