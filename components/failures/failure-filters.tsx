"use client";

import { useState } from "react";
import { Button } from "../ui/button";
import { SelectField } from "../ui/field";

export type Filters = { connection_id: string; status_class: string; event_type: string; range: string };

export const RANGES: Record<string, { label: string; hours: number }> = {
  "24h": { label: "Last 24 hours", hours: 24 },
  "7d": { label: "Last 7 days", hours: 7 * 24 },
  "30d": { label: "Last 30 days", hours: 30 * 24 },
};

/** The API's filter for what the admin chose; the time range counts back from now. */
export function filterCriteria(filters: Filters) {
  return {
    connection_id: filters.connection_id || undefined,
    status_class: filters.status_class || undefined,
    event_type: filters.event_type || undefined,
    since: new Date(Date.now() - RANGES[filters.range]!.hours * 3600_000).toISOString(),
  };
}

/** Connection, status class and time range apply at once; the event type when Apply is pressed. */
export function FailureFilters({
  filters,
  connections,
  onChange,
}: {
  filters: Filters;
  connections: { id: string; name: string }[];
  onChange: (next: Partial<Filters>) => void;
}) {
  const [eventType, setEventType] = useState(filters.event_type);
  return (
    <form
      className="grid gap-3 rounded-xl bg-white p-4 ring-1 ring-slate-200 sm:grid-cols-2 lg:grid-cols-4"
      onSubmit={(e) => {
        e.preventDefault();
        onChange({ event_type: eventType.trim().toUpperCase() });
      }}
      aria-label="Filters"
    >
      <SelectField id="f-connection" label="Connection" value={filters.connection_id} onChange={(e) => onChange({ connection_id: e.target.value })}>
        <option value="">All connections</option>
        {connections.map((c) => (
          <option key={c.id} value={c.id}>
            {c.name}
          </option>
        ))}
      </SelectField>
      <SelectField id="f-status" label="Status" value={filters.status_class} onChange={(e) => onChange({ status_class: e.target.value })}>
        <option value="">Any status</option>
        <option value="5xx">5xx server errors</option>
        <option value="4xx">4xx client errors</option>
        <option value="network">Timeouts and network errors</option>
      </SelectField>
      <SelectField id="f-range" label="Time range" value={filters.range} onChange={(e) => onChange({ range: e.target.value })}>
        {Object.entries(RANGES).map(([k, r]) => (
          <option key={k} value={k}>
            {r.label}
          </option>
        ))}
      </SelectField>
      <div>
        <label htmlFor="f-type" className="block text-sm font-medium text-slate-900">
          Event type
        </label>
        <div className="mt-1 flex gap-2">
          <input
            id="f-type"
            value={eventType}
            onChange={(e) => setEventType(e.target.value)}
            placeholder="USER_LOGGED_IN"
            className="block w-full rounded-md border-0 px-3 py-2 text-slate-900 shadow-sm ring-1 ring-inset ring-slate-300 focus:ring-2 focus:ring-inset focus:ring-indigo-600 sm:text-sm"
          />
          <Button type="submit" variant="secondary">
            Apply
          </Button>
        </div>
      </div>
    </form>
  );
}
