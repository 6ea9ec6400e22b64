// PostgreSQL NOTIFY channels between the web app and the workers.

/** New events committed; the payload is the organization id. */
export const EVENTS_CHANNEL = "tributary_events";
/** A connection's settings, secrets or state changed; the payload is the connection id. */
export const CONNECTIONS_CHANNEL = "tributary_connections";
/** A stream worker joined, left or released slots; the others look at the live workers again. */
export const WORKERS_CHANNEL = "tributary_workers";
