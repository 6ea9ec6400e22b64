import { db } from "@/lib/db/client";
import { checkHealth } from "@/lib/health";

export const dynamic = "force-dynamic";

export async function GET() {
  try {
    const health = await checkHealth(db());
    if (health.ok) return Response.json({ status: "ok" });
    return Response.json({ status: "unavailable", checks: health.checks }, { status: 503 });
  } catch {
    return Response.json({ status: "unavailable", checks: { database: "unreachable" } }, { status: 503 });
  }
}
