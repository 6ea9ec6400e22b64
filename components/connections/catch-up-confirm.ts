import { ageText } from "@/lib/connections/age-text";

/** The question asked before re-enabling a paused connection would skip events for its catch-up limit. */
export function catchUpConfirm(preview: { events: number; maxEventAgeSeconds: number } | null | undefined) {
  if (!preview) return undefined;
  const n = preview.events;
  return {
    title: "Skip old events?",
    message: `Re-enabling now skips ${n.toLocaleString("en-US")} event${n === 1 ? "" : "s"} stored more than ${ageText(preview.maxEventAgeSeconds)} ago (the connection's catch-up limit): the destination would drop them. They will be listed under Failed deliveries as given up.`,
    confirmLabel: "Skip them and enable",
  };
}
