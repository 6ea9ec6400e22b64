import { apiRoute, readJson } from "@/lib/api/handler";
import { pgPool } from "@/lib/db/pool";
import { MAX_BODY_BYTES, parseIngestBody } from "@/lib/events/ingest";
import { publishEvents } from "@/lib/events/publish";

export const POST = apiRoute(async (req, { principal }) => {
  const events = parseIngestBody(await readJson(req, MAX_BODY_BYTES));
  await publishEvents(pgPool(), principal.organizationId, events);
  return Response.json({ accepted: events.length, ids: events.map((e) => e.id) }, { status: 202 });
}, { rateLimit: "ingest", publish: true });
