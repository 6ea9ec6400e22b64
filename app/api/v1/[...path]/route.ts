import { authenticatedRoute } from "@/lib/api/handler";
import { AppError } from "@/lib/errors";

// Unknown /api/v1 paths: authenticate first (so probing needs a token), then a JSON 404.
const notFound = authenticatedRoute(async (req) => {
  throw new AppError("NOT_FOUND", `No API route ${req.method} ${new URL(req.url).pathname}. See /api/v1/openapi.json.`);
});

export { notFound as GET, notFound as POST, notFound as PUT, notFound as PATCH, notFound as DELETE };
