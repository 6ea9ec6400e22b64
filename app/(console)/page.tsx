import { redirect } from "next/navigation";
import { PageHeader } from "@/components/ui/page-header";
import { currentUser } from "@/lib/auth/session";

export default async function HomePage() {
  const user = await currentUser();
  if (!user) redirect("/login");
  if (user.role === "ADMIN") redirect("/settings/event-streaming");
  return (
    <PageHeader
      title={`Welcome, ${user.name}`}
      description="Event streaming is configured by your organization's admins. Ask an admin if you need a destination added or changed."
    />
  );
}
