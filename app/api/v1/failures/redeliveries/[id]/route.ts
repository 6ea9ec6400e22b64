import { apiRoute } from "@/lib/api/handler";
import { pgPool } from "@/lib/db/pool";
import { loadRedelivery } from "@/lib/failures/redelivery";

export const GET = apiRoute<{ id: string }>(async (_req, { principal, params }) => Response.json(await loadRedelivery(pgPool(), principal.organizationId, params.id)));
