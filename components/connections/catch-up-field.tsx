"use client";

import { useId, useState } from "react";
import { MAX_EVENT_AGE_SECONDS, MIN_EVENT_AGE_SECONDS } from "@/lib/connections/schemas";
import type { ConnectionFormApi } from "./use-connection-form";

const hoursOf = (seconds: string) => (seconds.trim() === "" ? "" : String(Number(seconds) / 3600));

/**
 * The catch-up limit: entered in hours, kept in the form as seconds (the API's unit), so the API
 * schema's check applies at this field; its problem is told in hours here.
 */
export function CatchUpField({ form }: { form: ConnectionFormApi }) {
  const id = useId();
  const { watch, setValue, formState } = form;
  const seconds = watch("max_event_age_seconds");
  const [hours, setHours] = useState(() => hoursOf(seconds) || "18");
  const on = seconds.trim() !== "";
  const error = formState.errors.max_event_age_seconds?.message;
  const toSeconds = (h: string) => (h.trim() === "" || Number.isNaN(Number(h)) ? h : String(Math.round(Number(h) * 3600)));

  return (
    <fieldset>
      <legend className="text-sm font-medium text-slate-900">Catching up after a pause</legend>
      <p className="mt-1 text-xs text-slate-600">
        Re-enabled within 7 days, a connection delivers the events it missed. Some destinations drop old events (Datadog: older than 18
        hours): with a limit, those are skipped instead of sent to be discarded, and listed under Failed deliveries as given up.
      </p>
      <div className="mt-2 flex flex-wrap items-center gap-2 text-sm text-slate-900">
        <input
          id={`${id}-on`}
          type="checkbox"
          checked={on}
          onChange={(e) => setValue("max_event_age_seconds", e.target.checked ? toSeconds(hours) : "", { shouldDirty: true })}
          className="h-4 w-4 rounded border-slate-300 text-indigo-600 focus:ring-indigo-600"
        />
        <label htmlFor={`${id}-on`}>Skip events older than</label>
        <input
          id={`${id}-hours`}
          aria-label="Catch-up limit in hours"
          inputMode="decimal"
          value={hours}
          disabled={!on}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? `${id}-error` : undefined}
          onChange={(e) => {
            setHours(e.target.value);
            setValue("max_event_age_seconds", toSeconds(e.target.value), { shouldDirty: true });
          }}
          className="w-20 rounded-md border-0 px-2 py-1.5 text-slate-900 shadow-sm ring-1 ring-inset ring-slate-300 focus:ring-2 focus:ring-inset focus:ring-indigo-600 disabled:bg-slate-50 disabled:text-slate-400 sm:text-sm"
        />
        <span>hours when re-enabled</span>
      </div>
      {error && (
        <p id={`${id}-error`} role="alert" className="mt-1 text-sm text-red-600">
          Enter a number of hours up to {MAX_EVENT_AGE_SECONDS / 3600} (7 days), and at least {MIN_EVENT_AGE_SECONDS / 60} minute.
        </p>
      )}
    </fieldset>
  );
}
