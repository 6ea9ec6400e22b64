import { apiRoute } from "@/lib/api/handler";
import { toMe } from "@/lib/auth/api-tokens";

export const GET = apiRoute(async (_req, { principal }) => Response.json(toMe(principal)));
