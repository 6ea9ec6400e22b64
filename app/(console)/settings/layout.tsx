import type { ReactNode } from "react";
import { AdminsOnly } from "@/components/layout/admins-only";
import { currentUser } from "@/lib/auth/session";

// Layouts and pages render in parallel and a client navigation may fetch a page without its
// layout, so this check is not the guard: every page calls settingsPageUser() itself.
export default async function SettingsLayout({ children }: { children: ReactNode }) {
  const user = await currentUser();
  if (user?.role !== "ADMIN") return <AdminsOnly />;
  return <>{children}</>;
}
