import type { ReactNode } from "react";
import { Alert } from "@/components/ui/alert";
import { currentUser } from "@/lib/auth/session";

export default async function SettingsLayout({ children }: { children: ReactNode }) {
  const user = await currentUser();
  if (user?.role !== "ADMIN") {
    return (
      <Alert tone="warning" title="Admins only">
        Settings are available to your organization&apos;s admins. Ask an admin for access.
      </Alert>
    );
  }
  return <>{children}</>;
}
