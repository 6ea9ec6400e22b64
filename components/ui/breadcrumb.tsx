import Link from "next/link";

/** "Event Streaming / <current>" above a sub-page of Settings › Event Streaming. */
export function EventStreamingBreadcrumb({ current }: { current: string }) {
  return (
    <nav aria-label="Breadcrumb" className="text-sm text-slate-600">
      <Link href="/settings/event-streaming" className="hover:underline">
        Event Streaming
      </Link>{" "}
      / <span aria-current="page">{current}</span>
    </nav>
  );
}
