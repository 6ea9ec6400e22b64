import { openApiDocument } from "@/lib/api/openapi";

// Public: it describes the API and holds nothing secret.
export function GET() {
  return Response.json(openApiDocument);
}
