import { Alert } from "../ui/alert";

/** Shown to members above the pages they may read but not change. */
export function ReadOnlyNotice() {
  return (
    <Alert tone="info" title="Read-only access">
      You are a member of this organization: you can look at event streaming, but only admins can change it. Ask an admin if something needs
      to change.
    </Alert>
  );
}
