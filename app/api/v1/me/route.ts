import { apiRoute } from "@/lib/api/handler";
import type { Me } from "@/lib/auth/api-tokens";

export const GET = apiRoute(async (_req, { principal }) =>
  Response.json({
    organization_id: principal.organizationId,
    organization: principal.organization,
    user: principal.user,
    // PUBLISH tokens are refused before they get here.
    scope: principal.scope === "OPERATOR" ? "OPERATOR" : "ADMIN",
  } satisfies Me),
);
