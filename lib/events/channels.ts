// PostgreSQL NOTIFY channels between the web app and the workers.

/** New events committed; the payload is the organization id. */
export const EVENTS_CHANNEL = "tributary_events";
/** A connection's settings, secrets or state changed; the payload is the connection id. */
export const CONNECTIONS_CHANNEL = "tributary_connections";
