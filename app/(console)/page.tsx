import { redirect } from "next/navigation";
import { currentUser } from "@/lib/auth/session";

// Admins and members alike start on Event Streaming (members read it without change controls).
export default async function HomePage() {
  const user = await currentUser();
  if (!user) redirect("/login");
  redirect("/settings/event-streaming");
}
