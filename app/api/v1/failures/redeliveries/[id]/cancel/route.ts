import { apiRoute } from "@/lib/api/handler";
import { pgPool } from "@/lib/db/pool";
import { cancelRedelivery } from "@/lib/failures/redelivery";

export const POST = apiRoute<{ id: string }>(async (_req, { actor, params }) => Response.json(await cancelRedelivery(pgPool(), actor, params.id)));
