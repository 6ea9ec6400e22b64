import { apiRoute } from "@/lib/api/handler";
import { pgPool } from "@/lib/db/pool";
import { listRedeliveries } from "@/lib/failures/redelivery";

export const GET = apiRoute(async (_req, { principal }) => Response.json({ data: await listRedeliveries(pgPool(), principal.organizationId, 50) }));
