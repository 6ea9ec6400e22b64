import { Alert } from "../ui/alert";

/** What a signed-in member sees instead of a settings page. */
export function AdminsOnly() {
  return (
    <Alert tone="warning" title="Admins only">
      Settings are available to your organization&apos;s admins. Ask an admin for access.
    </Alert>
  );
}
