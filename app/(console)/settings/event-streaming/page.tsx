import type { Metadata } from "next";
import { PageHeader } from "@/components/ui/page-header";

export const metadata: Metadata = { title: "Event Streaming" };

export default function EventStreamingPage() {
  return (
    <div className="space-y-6">
      <PageHeader
        title="Event Streaming"
        description="Stream your organization's audit events, in near real time, to a SIEM or log destination such as Datadog, Sumo Logic or RunReveal."
      />
      <section className="rounded-xl border border-dashed border-slate-300 bg-white px-6 py-12 text-center">
        <h2 className="text-base font-semibold text-slate-900">No event streaming connections yet</h2>
        <p className="mx-auto mt-2 max-w-lg text-sm text-slate-600">
          A connection sends every audit event as a signed HTTPS <code>POST</code> to a URL you choose. Tributary tests the
          destination before saving it, retries failed deliveries and emails admins when deliveries fail.
        </p>
      </section>
    </div>
  );
}
