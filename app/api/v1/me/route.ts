import { apiRoute } from "@/lib/api/handler";

export const GET = apiRoute(async (_req, { principal }) =>
  Response.json({
    user: { id: principal.user.id, email: principal.user.email, name: principal.user.name, role: principal.user.role },
    organization_id: principal.organizationId,
  }),
);
