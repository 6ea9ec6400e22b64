// Tributary's own audit events: every change to streaming configuration, people and tokens is streamed too.
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
  organizationCreated: "EVENT_STREAM_ORGANIZATION_CREATED",
  organizationUpdated: "EVENT_STREAM_ORGANIZATION_UPDATED",
  memberInvited: "EVENT_STREAM_MEMBERS_INVITED",
  memberInvitationResent: "EVENT_STREAM_MEMBERS_INVITATION_RESENT",
  memberJoined: "EVENT_STREAM_MEMBERS_JOINED",
  memberUpdated: "EVENT_STREAM_MEMBERS_UPDATED",
  memberRemoved: "EVENT_STREAM_MEMBERS_REMOVED",
  portalLinkCreated: "EVENT_STREAM_PORTAL_LINKS_CREATED",
  portalLinkUsed: "EVENT_STREAM_PORTAL_LINKS_USED",
  apiTokenCreated: "EVENT_STREAM_API_TOKENS_CREATED",
  apiTokenRevoked: "EVENT_STREAM_API_TOKENS_REVOKED",
} as const;

export const TEST_MESSAGE = "This is a test message to validate the event stream connection";
