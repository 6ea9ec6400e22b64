import type { ConnectionDto } from "./dto";
import type { ConnectionFormValues } from "./schemas";

/** A saved connection as the edit form's starting values (API key values blank: a blank keeps the stored one). */
export function connectionFormValues(c: ConnectionDto): ConnectionFormValues {
  return {
    name: c.name,
    url: c.url,
    auth: { type: c.auth.type, keys: c.auth.keys.map((k) => ({ key: k.key, value: "", add_to: k.add_to })) },
    format: c.format,
    batch: { max_events: String(c.batch.max_events), max_bytes: String(c.batch.max_bytes), max_wait_ms: String(c.batch.max_wait_ms) },
    compression: c.compression,
    event_filter: { include: c.event_filter?.include ?? [], exclude: c.event_filter?.exclude ?? [] },
    max_event_age_seconds: c.max_event_age_seconds === null ? "" : String(c.max_event_age_seconds),
  };
}
