import type { ReactNode } from "react";

// Layouts and pages render in parallel and a client navigation may fetch a page without its
// layout, so no check here: every page calls settingsPageUser() (admins only) or
// settingsPageReader() (members read-only) itself.
export default function SettingsLayout({ children }: { children: ReactNode }) {
  return <>{children}</>;
}
