"use client";

import { useId, useState } from "react";
import { EVENT_PATTERN } from "@/lib/delivery/event-filter";
import { Button } from "../ui/button";
import type { ConnectionFormApi } from "./use-connection-form";

type List = "include" | "exclude";

const LISTS: Record<List, { label: string; help: string; empty: string }> = {
  include: { label: "Send only these types", help: "Leave empty to send every type.", empty: "Every event type is sent." },
  exclude: { label: "Never send these types", help: "Applied after the list above.", empty: "No type is excluded." },
};

/**
 * The connection's event filter: two lists of exact types or prefixes ending in `*`, each entered
 * with suggestions from the event types this organization published in the last 30 days.
 */
export function EventFilterField({ form, eventTypes }: { form: ConnectionFormApi; eventTypes: string[] }) {
  const datalistId = useId();
  return (
    <fieldset>
      <legend className="text-sm font-medium text-slate-900">Event types</legend>
      <p className="mt-1 text-xs text-slate-600">
        Enter exact types such as USER_LOGGED_IN, or a prefix ending in * such as USER_*. Filtered events are skipped without a request; the
        test event is always sent.
      </p>
      <datalist id={datalistId}>
        {eventTypes.map((t) => (
          <option key={t} value={t} />
        ))}
      </datalist>
      <div className="mt-3 grid gap-4 sm:grid-cols-2">
        {(["include", "exclude"] as const).map((list) => (
          <PatternList key={list} form={form} list={list} datalistId={datalistId} />
        ))}
      </div>
    </fieldset>
  );
}

function PatternList({ form, list, datalistId }: { form: ConnectionFormApi; list: List; datalistId: string }) {
  const inputId = useId();
  const { watch, setValue, formState } = form;
  const values = watch(`event_filter.${list}`);
  const [draft, setDraft] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const listErrors = formState.errors.event_filter?.[list];
  const serverError = listErrors?.message ?? (Array.isArray(listErrors) ? listErrors.find((e) => e?.message)?.message : undefined);

  const add = () => {
    const entry = draft.trim().toUpperCase();
    if (!entry) return;
    if (!EVENT_PATTERN.test(entry)) {
      setProblem("Use letters, digits and _, optionally ending in * for a prefix.");
      return;
    }
    setProblem(null);
    setDraft("");
    if (!values.includes(entry)) setValue(`event_filter.${list}`, [...values, entry], { shouldDirty: true });
  };

  return (
    <div>
      <label htmlFor={inputId} className="block text-sm font-medium text-slate-900">
        {LISTS[list].label}
      </label>
      <div className="mt-1 flex gap-2">
        <input
          id={inputId}
          list={datalistId}
          value={draft}
          autoComplete="off"
          placeholder="Search or type, e.g. USER_*"
          aria-describedby={`${inputId}-help`}
          aria-invalid={problem || serverError ? true : undefined}
          onChange={(e) => setDraft(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === "Enter") {
              e.preventDefault();
              add();
            }
          }}
          className="block w-full min-w-0 rounded-md border-0 px-3 py-2 text-slate-900 shadow-sm ring-1 ring-inset ring-slate-300 placeholder:text-slate-400 focus:ring-2 focus:ring-inset focus:ring-indigo-600 sm:text-sm"
        />
        <Button type="button" variant="secondary" onClick={add} aria-label={`Add to ${LISTS[list].label.toLowerCase()}`}>
          Add
        </Button>
      </div>
      <p id={`${inputId}-help`} className="mt-1 text-xs text-slate-500">
        {LISTS[list].help}
      </p>
      {(problem ?? serverError) && (
        <p role="alert" className="mt-1 text-sm text-red-600">
          {problem ?? serverError}
        </p>
      )}
      {values.length === 0 ? (
        <p className="mt-2 text-xs italic text-slate-500">{LISTS[list].empty}</p>
      ) : (
        <ul className="mt-2 flex flex-wrap gap-1.5" aria-label={LISTS[list].label}>
          {values.map((v) => (
            <li key={v} className="inline-flex max-w-full items-center gap-1 rounded-full bg-slate-100 py-0.5 pl-2.5 pr-1 text-xs font-medium text-slate-800 ring-1 ring-inset ring-slate-200">
              <span className="truncate font-mono">{v}</span>
              <button
                type="button"
                onClick={() => setValue(`event_filter.${list}`, values.filter((x) => x !== v), { shouldDirty: true })}
                className="rounded-full px-1.5 text-slate-500 hover:bg-slate-200 hover:text-slate-900 focus-visible:outline focus-visible:outline-2 focus-visible:outline-indigo-600"
                aria-label={`Remove ${v}`}
              >
                ×
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
