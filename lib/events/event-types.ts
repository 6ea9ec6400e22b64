// Tributary's own audit events: every change to streaming configuration is streamed too.
export const EVENT_TYPES = {
  connectionCreated: "EVENT_STREAM_CONNECTIONS_CREATED",
  connectionUpdated: "EVENT_STREAM_CONNECTIONS_UPDATED",
  connectionDeleted: "EVENT_STREAM_CONNECTIONS_DELETED",
  connectionEnabled: "EVENT_STREAM_CONNECTIONS_ENABLED",
  connectionDisabled: "EVENT_STREAM_CONNECTIONS_DISABLED",
  connectionAutoDisabled: "EVENT_STREAM_CONNECTIONS_AUTO_DISABLED",
  connectionTested: "EVENT_STREAM_CONNECTIONS_TESTED",
  hmacSecretAdded: "EVENT_STREAM_CONNECTIONS_HMAC_SECRET_ADDED",
  hmacSecretRetired: "EVENT_STREAM_CONNECTIONS_HMAC_SECRET_RETIRED",
  redeliveryRequested: "EVENT_STREAM_FAILURES_REDELIVERY_REQUESTED",
  redeliveryCancelled: "EVENT_STREAM_FAILURES_REDELIVERY_CANCELLED",
} as const;

export const TEST_MESSAGE = "This is a test message to validate the event stream connection";
