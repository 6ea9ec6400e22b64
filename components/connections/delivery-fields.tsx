"use client";

import { DELIVERY_FORMATS, type DeliveryFormat } from "@/lib/delivery/formats/wire-format";
import { MAX_BATCH_BYTES, MAX_BATCH_EVENTS, MAX_BATCH_WAIT_MS } from "@/lib/connections/schemas";
import { TextField } from "../ui/field";
import { ChoiceCard } from "./choice-card";
import type { ConnectionFormApi } from "./use-connection-form";

const FORMATS: Record<DeliveryFormat, { label: string; help: string }> = {
  EVENT: { label: "One event per request", help: "Each event is its own POST, the body exactly the event's JSON, as Opal sends it. Works with any webhook." },
  JSON_ARRAY: { label: "JSON array", help: "Many events per POST as one JSON array: [event, …]. Datadog's Logs API reads this." },
  NDJSON: { label: "One event per line (NDJSON)", help: "Many events per POST, one event's JSON per line. Sumo Logic and RunReveal read this." },
  SPLUNK_HEC: {
    label: "Splunk HEC envelopes",
    help: 'Many events per POST, each wrapped as {"time", "sourcetype": "opal:event", "event"} for Splunk\'s HTTP Event Collector.',
  },
};

const COMPRESSION = [
  { value: "NONE", label: "No compression", help: "Requests are sent as they are." },
  { value: "GZIP", label: "gzip", help: "About 5× smaller requests for a little CPU. The signature still covers the uncompressed body." },
] as const;

const bytesText = (v: string) => {
  const n = Number(v);
  if (!v.trim() || !Number.isFinite(n) || n <= 0) return null;
  return n >= 1_000_000 ? `${(n / 1_000_000).toLocaleString("en-US", { maximumFractionDigits: 2 })} MB` : `${(n / 1000).toLocaleString("en-US", { maximumFractionDigits: 1 })} kB`;
};

/** Format, batch bounds and compression, each explained where it is chosen. */
export function DeliveryFields({ form }: { form: ConnectionFormApi }) {
  const {
    register,
    watch,
    formState: { errors },
  } = form;
  const format = watch("format");
  const compression = watch("compression");
  const maxBytes = watch("batch.max_bytes");
  const batched = format !== "EVENT";
  return (
    <div className="space-y-5">
      <fieldset>
        <legend className="text-sm font-medium text-slate-900">Format</legend>
        <p className="mt-1 text-xs text-slate-600">How events are put into requests. The test event is sent the same way.</p>
        <div className="mt-2 grid gap-2 sm:grid-cols-2">
          {DELIVERY_FORMATS.map((f) => (
            <ChoiceCard key={f} checked={format === f} label={FORMATS[f].label} help={FORMATS[f].help}>
              <input type="radio" value={f} className="mt-0.5" {...register("format")} />
            </ChoiceCard>
          ))}
        </div>
      </fieldset>

      {batched && (
        <fieldset className="rounded-lg bg-slate-50 p-4 ring-1 ring-slate-200">
          <legend className="sr-only">Batches</legend>
          <p className="text-sm text-slate-700">
            A batch is sent when it is full or when its first event has waited the longest wait. An event larger than the size limit is sent
            alone. If the destination refuses a batch, Tributary splits it until the refused events are alone: only those are listed as
            rejected, the others are delivered.
          </p>
          <div className="mt-3 grid gap-4 sm:grid-cols-3">
            <TextField
              label="Events per request"
              inputMode="numeric"
              hint={`1 to ${MAX_BATCH_EVENTS.toLocaleString("en-US")}`}
              error={errors.batch?.max_events?.message}
              {...register("batch.max_events")}
            />
            <TextField
              label="Request size limit (bytes)"
              inputMode="numeric"
              hint={`Before compression${bytesText(maxBytes) ? ` — ${bytesText(maxBytes)}` : ""}; at most ${MAX_BATCH_BYTES.toLocaleString("en-US")}`}
              error={errors.batch?.max_bytes?.message}
              {...register("batch.max_bytes")}
            />
            <TextField
              label="Longest wait (ms)"
              inputMode="numeric"
              hint={`0 to ${MAX_BATCH_WAIT_MS.toLocaleString("en-US")}: lower is sooner, higher is fewer requests`}
              error={errors.batch?.max_wait_ms?.message}
              {...register("batch.max_wait_ms")}
            />
          </div>
        </fieldset>
      )}

      <fieldset>
        <legend className="text-sm font-medium text-slate-900">Compression</legend>
        <div className="mt-2 grid gap-2 sm:grid-cols-2">
          {COMPRESSION.map((c) => (
            <ChoiceCard key={c.value} checked={compression === c.value} label={c.label} help={c.help}>
              <input type="radio" value={c.value} className="mt-0.5" {...register("compression")} />
            </ChoiceCard>
          ))}
        </div>
      </fieldset>
    </div>
  );
}
