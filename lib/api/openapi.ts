import { z } from "zod";
import { hmacSecretCreatedSchema, connectionSchema, connectionWithSecretSchema } from "../connections/dto";
import { testOutcomeSchema } from "../connections/destination-test";
import { apiKeySchema, authSchema, newConnectionSchema, updateConnectionSchema } from "../connections/schemas";
import { meSchema } from "../auth/api-tokens";
import { apiTokenCreatedSchema, apiTokenListSchema, apiTokenSchema, newApiTokenSchema } from "../auth/token-schemas";
import { inviteMemberSchema, memberListSchema, memberPatchSchema, memberSchema } from "../members/schemas";
import {
  newOrganizationSchema,
  organizationPatchSchema,
  organizationSchema,
  organizationsPageSchema,
  organizationsQuerySchema,
} from "../organizations/schemas";
import { portalLinkRequestSchema, portalLinkSchema } from "../portal/schemas";
import { errorBodySchema } from "../errors";
import { wireEventSchema } from "../events/envelope";
import { ingestAcceptedSchema, ingestBodySchema, ingestEventSchema } from "../events/ingest";
import { failureGroupSchema, failureGroupsPageSchema, failureSchema, failuresPageSchema, failuresQuerySchema } from "../failures/list-failures";
import { connectionHealthSchema } from "../health/connection-health";
import { connectionStatsSchema, statsQuerySchema } from "../health/connection-stats";
import { redeliveryFilterSchema, redeliveryIdsSchema, redeliverySchema, redeliveryWithProblemsSchema } from "../failures/redelivery";

// The REST API as an OpenAPI 3.1 document, served at /api/v1/openapi.json. Every schema in it is
// generated from the zod schema that parses the request or types the answer, so a limit changed
// there changes here; only the paths, summaries and status codes are written by hand.

type JsonSchema = Record<string, unknown>;

const COMPONENTS = "#/components/schemas/";

// Request bodies are documented as clients send them (defaults optional), answers as the server writes them.
const COMPONENT_SCHEMAS: Record<"input" | "output", Record<string, z.ZodType>> = {
  input: {
    ApiKey: apiKeySchema,
    Auth: authSchema,
    ConnectionInput: newConnectionSchema,
    ConnectionPatch: updateConnectionSchema,
    EventInput: ingestEventSchema,
    EventsInput: ingestBodySchema,
    RedeliveryRequest: z.union([redeliveryIdsSchema, redeliveryFilterSchema]),
    ApiTokenInput: newApiTokenSchema,
    OrganizationInput: newOrganizationSchema,
    OrganizationPatch: organizationPatchSchema,
    MemberInput: inviteMemberSchema,
    MemberPatch: memberPatchSchema,
    PortalLinkInput: portalLinkRequestSchema,
  },
  output: {
    Error: errorBodySchema,
    Me: meSchema,
    Event: wireEventSchema,
    EventsAccepted: ingestAcceptedSchema,
    ConnectionHealth: connectionHealthSchema,
    Connection: connectionSchema,
    ConnectionWithSecret: connectionWithSecretSchema,
    ConnectionList: z.object({ data: z.array(connectionSchema) }),
    TestResult: testOutcomeSchema,
    HmacSecret: hmacSecretCreatedSchema,
    Failure: failureSchema,
    FailurePage: failuresPageSchema,
    FailureGroup: failureGroupSchema,
    FailureGroupPage: failureGroupsPageSchema,
    ConnectionStats: connectionStatsSchema,
    Redelivery: redeliverySchema,
    RedeliveryDetail: redeliveryWithProblemsSchema,
    RedeliveryList: z.object({ data: z.array(redeliverySchema) }),
    ApiToken: apiTokenSchema,
    ApiTokenCreated: apiTokenCreatedSchema,
    ApiTokenList: apiTokenListSchema,
    Organization: organizationSchema,
    OrganizationPage: organizationsPageSchema,
    Member: memberSchema,
    MemberList: memberListSchema,
    PortalLink: portalLinkSchema,
  },
};

/**
 * One side's component schemas; a schema used inside another is referenced by name. `$schema` and
 * `$id` go: the document's dialect (JSON Schema 2020-12) applies to every schema in it.
 */
function components(io: "input" | "output"): Record<string, JsonSchema> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(COMPONENT_SCHEMAS[io])) registry.add(schema, { id });
  const { schemas } = z.toJSONSchema(registry, { io, target: "draft-2020-12", uri: (id) => `${COMPONENTS}${id}` });
  return Object.fromEntries(Object.entries(schemas).map(([id, { $schema: _dialect, $id: _id, ...schema }]) => [id, schema as JsonSchema]));
}

const inputSchema = (schema: z.ZodType): JsonSchema => {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io: "input", target: "draft-2020-12" });
  return rest;
};

const ref = (name: string) => ({ $ref: `${COMPONENTS}${name}` });
const json = (name: string, description = "OK") => ({ description, content: { "application/json": { schema: ref(name) } } });
const error = (description: string) => json("Error", description);
const body = (name: string) => ({ required: true, content: { "application/json": { schema: ref(name) } } });
const uuidParam = (name: string) => ({ name, in: "path", required: true, schema: { type: "string", format: "uuid" } });
const DATABASE_DOWN = "DATABASE_UNAVAILABLE: the database is restarting, unreachable or out of disk; nothing was changed (see Retry-After)";
const common = {
  "401": error("Missing or unknown token"),
  "403": error("FORBIDDEN: a PUBLISH token (it may only POST /events), or the token of a person who is no longer an admin"),
  "429": {
    ...error("RATE_LIMITED: the token's requests per minute (API_RATE_LIMIT, or INGEST_RATE_LIMIT for publishing) are used up"),
    headers: { "Retry-After": { description: "Seconds until a request is allowed again", schema: { type: "integer" } } },
  },
  "503": error(DATABASE_DOWN),
};
const notFound = error("NOT_FOUND: no such resource in this organization");

const QUERY_HELP: Record<string, string> = { cursor: "next_cursor of the previous page" };
const queryParameters = (shape: Record<string, z.ZodType>) =>
  Object.entries(shape).map(([name, schema]) => ({
    name,
    in: "query",
    ...(QUERY_HELP[name] ? { description: QUERY_HELP[name] } : {}),
    schema: inputSchema(schema),
  }));
const failuresQuery = queryParameters(failuresQuerySchema.shape);

type Responses = Record<string, { description: string }>;
type Operation = { parameters?: unknown[]; responses: Responses } & Record<string, unknown>;

const ORGANIZATION_HEADER = {
  name: "Tributary-Organization",
  in: "header",
  required: false,
  description: "With the operator token (OPERATOR_API_TOKEN): the id or external_id of the organization to act on. Required then; ignored with an organization's own token.",
  schema: { type: "string" },
};

/**
 * An organization's route: also callable by the operator with the Tributary-Organization header,
 * which adds a 400 (header missing) and a 404 (no such organization) to what it may answer.
 */
function scoped(operation: Operation): Operation {
  const r = operation.responses;
  const add = (status: string, text: string) => ({ ...(r[status] ?? error(text)), description: r[status] ? `${r[status].description}; or ${text}` : text });
  return {
    ...operation,
    parameters: [...(operation.parameters ?? []), ORGANIZATION_HEADER],
    responses: {
      ...r,
      "400": add("400", "ORGANIZATION_REQUIRED: the operator token without the Tributary-Organization header"),
      "404": add("404", "NOT_FOUND: the Tributary-Organization header names no organization"),
    },
  };
}
const scopedPath = <T extends Record<string, unknown>>(item: T): T =>
  Object.fromEntries(Object.entries(item).map(([k, v]) => [k, k === "parameters" ? v : scoped(v as Operation)])) as T;

const operatorOnly = {
  "401": error("Missing or unknown token"),
  "403": error("FORBIDDEN: not the operator token (an organization's tokens act on their own organization only)"),
  "429": common["429"],
  "503": common["503"],
};
const orgParam = { name: "org", in: "path", required: true, description: "The organization's id or its external_id", schema: { type: "string" } };
const noOrg = error("NOT_FOUND: no organization with that id or external_id");

export const openApiDocument = {
  openapi: "3.1.0",
  info: {
    title: "Tributary API",
    version: "1",
    description:
      "Manage event streaming connections and publish events. Every call needs `Authorization: Bearer <token>`: an organization's ADMIN token (every route of that organization), its PUBLISH token (only POST /events), or the operator token (OPERATOR_API_TOKEN) — which manages /organizations and acts on any organization's routes with the `Tributary-Organization` header.",
  },
  servers: [{ url: "/api/v1" }],
  security: [{ bearer: [] }],
  components: {
    securitySchemes: { bearer: { type: "http", scheme: "bearer" } },
    schemas: { ...components("input"), ...components("output") },
  },
  webhooks: {
    event: {
      post: {
        summary: "What a connection's destination receives with the EVENT format (the default): one event per POST, the body exactly JSON.stringify(event)",
        description:
          "API Key authorization adds the configured headers or query parameters. HMAC adds X-Opal-Request-Timestamp (unix seconds) and X-Opal-Signature: the hex HMAC-SHA256 of `v0:<timestamp>:<body>` per active secret, comma delimited. With compression GZIP the body is gzipped (Content-Encoding: gzip) and the signature covers the uncompressed body.",
        security: [],
        requestBody: body("Event"),
        responses: { "200": { description: "Any 2xx counts as delivered; anything else, a timeout or a network error is a failed delivery" } },
      },
    },
    batch: {
      post: {
        summary: "What a destination receives with a batch format: JSON_ARRAY `[event, …]` (application/json), NDJSON one event per line (application/x-ndjson), SPLUNK_HEC concatenated `{\"time\", \"sourcetype\": \"opal:event\", \"event\"}` envelopes (application/json)",
        description:
          "At most batch.max_events events and batch.max_bytes uncompressed bytes per request (an event larger than max_bytes goes alone). HMAC signs the uncompressed bytes of the whole request. A non-retryable 4xx (except 401, 403, 404 and others about the request itself) makes Tributary split the batch and resend the halves until the refused events are alone; Splunk HEC's `invalid-event-number` names the refused one directly. A 413 halves the connection's batches for 10 minutes.",
        security: [],
        requestBody: { required: true, content: { "application/json": { schema: { type: "array", items: ref("Event") } } } },
        responses: { "200": { description: "Any 2xx delivers every event of the request" } },
      },
    },
  },
  paths: {
    "/me": scopedPath({
      get: { summary: "The organization this token acts for, the admin who created the token, and its scope", responses: { "200": json("Me"), ...common } },
    }),
    "/events": scopedPath({
      post: {
        summary: "Publish one event or a batch of up to 1,000 (≤ 5 MiB); all or nothing, idempotent on id",
        requestBody: body("EventsInput"),
        responses: {
          "202": json("EventsAccepted", "Accepted"),
          "400": error("VALIDATION_FAILED: details list {index, path, message} per problem (also for EVENT_STREAM_* types and data nested deeper than 32 levels); nothing stored"),
          "413": error("More than 1,000 events or 5 MiB"),
          "415": error("The body is not sent as application/json"),
          ...common,
        },
      },
    }),
    "/failures": scopedPath({
      get: {
        summary: "Failed delivery attempts of the last 30 days, newest first (keyset pagination); with group=event, one row per (connection, event)",
        parameters: failuresQuery,
        responses: {
          "200": {
            description: "A FailurePage, or with group=event a FailureGroupPage",
            content: { "application/json": { schema: { anyOf: [ref("FailurePage"), ref("FailureGroupPage")] } } },
          },
          "400": error("Invalid parameter"),
          ...common,
        },
      },
    }),
    "/failures/redeliver": scopedPath({
      post: {
        summary: "Redeliver failed deliveries in the background",
        description:
          "Each (connection, event) is sent once more through the normal signed path by the worker. Poll the Location for progress. A 2xx marks the event's failed attempts REDELIVERED; a failure is listed as one more attempt.",
        requestBody: body("RedeliveryRequest"),
        responses: {
          "202": { ...json("Redelivery", "Queued"), headers: { Location: { schema: { type: "string" } } } },
          "400": error("Invalid body, or more than 100,000 events match"),
          "404": error("An id is not a failed delivery of the last 30 days (details.missing_ids)"),
          "409": error("Nothing to redeliver (details.skipped gives the reasons)"),
          ...common,
          "503": error(`WORKER_UNAVAILABLE: no worker has set up the queue yet; or ${DATABASE_DOWN}`),
        },
      },
    }),
    "/failures/redeliveries": scopedPath({
      get: { summary: "The last 50 redeliveries, newest first", responses: { "200": json("RedeliveryList"), ...common } },
    }),
    "/failures/redeliveries/{id}": scopedPath({
      parameters: [uuidParam("id")],
      get: {
        summary: "One redelivery's progress, with the most frequent reasons events failed or were skipped",
        responses: { "200": json("RedeliveryDetail"), "404": notFound, ...common },
      },
    }),
    "/failures/redeliveries/{id}/cancel": scopedPath({
      parameters: [uuidParam("id")],
      post: {
        summary: "Cancel a queued or running redelivery (events not sent yet are skipped)",
        responses: { "200": json("Redelivery"), "404": notFound, "409": error("Already completed or cancelled"), ...common },
      },
    }),
    "/connections": scopedPath({
      get: { summary: "List connections", responses: { "200": json("ConnectionList"), ...common } },
      post: {
        summary: "Create a connection (sends the test event first)",
        requestBody: body("ConnectionInput"),
        responses: {
          "201": json("ConnectionWithSecret", "Created"),
          "400": error("Invalid body, destination not allowed (DESTINATION_NOT_ALLOWED), or http:// outside OUTBOUND_ALLOW_CIDRS (INSECURE_DESTINATION)"),
          "409": error("CONNECTION_LIMIT_REACHED"),
          "415": error("The body is not sent as application/json"),
          "422": error("DESTINATION_TEST_FAILED: details carry ok, status, latency_ms, error, response_excerpt"),
          ...common,
        },
      },
    }),
    "/connections/{id}": scopedPath({
      parameters: [uuidParam("id")],
      get: { summary: "Get a connection", responses: { "200": json("Connection"), "404": notFound, ...common } },
      patch: {
        summary: "Update name, url, auth, enabled or how events are sent (a new url, auth or format is tested first)",
        requestBody: body("ConnectionPatch"),
        responses: {
          "200": json("ConnectionWithSecret"),
          "400": error("Invalid body, destination not allowed or insecure, or a url on another origin without the API key values (stored values are never sent to a new origin)"),
          "404": notFound,
          "422": error("DESTINATION_TEST_FAILED: nothing was saved"),
          ...common,
        },
      },
      delete: { summary: "Delete a connection", responses: { "204": { description: "Deleted" }, "404": notFound, ...common } },
    }),
    "/connections/{id}/stats": scopedPath({
      parameters: [uuidParam("id")],
      get: {
        summary: "Delivered events, failed attempts and p50/p95 latency per bucket over the last hour (1-minute buckets), 24 hours (15 minutes) or 7 days (1 hour)",
        parameters: queryParameters(statsQuerySchema.shape),
        responses: { "200": json("ConnectionStats"), "400": error("Invalid window"), "404": notFound, ...common },
      },
    }),
    "/connections/{id}/test": scopedPath({
      parameters: [uuidParam("id")],
      post: { summary: "Send the test event (at most 10 a minute per connection; more → 429)", responses: { "200": json("TestResult"), "404": notFound, ...common } },
    }),
    "/connections/{id}/enable": scopedPath({
      parameters: [uuidParam("id")],
      post: {
        summary: "Enable (after 7+ days disabled, resumes from the latest events; with max_event_age_seconds, skips the older events and lists them as given up)",
        responses: { "200": json("Connection"), "404": notFound, ...common },
      },
    }),
    "/connections/{id}/disable": scopedPath({
      parameters: [uuidParam("id")],
      post: { summary: "Disable (pauses streaming)", responses: { "200": json("Connection"), "404": notFound, ...common } },
    }),
    "/connections/{id}/hmac-secrets": scopedPath({
      parameters: [uuidParam("id")],
      post: {
        summary: "Add an HMAC secret (at most 2 active)",
        responses: { "201": json("HmacSecret", "Created"), "404": notFound, "409": error("Two secrets already, or not an HMAC connection"), ...common },
      },
    }),
    "/connections/{id}/hmac-secrets/{secretId}": scopedPath({
      parameters: [uuidParam("id"), uuidParam("secretId")],
      delete: {
        summary: "Retire an HMAC secret (not the last one)",
        responses: { "204": { description: "Retired" }, "404": notFound, "409": error("Last secret"), ...common },
      },
    }),
    "/tokens": scopedPath({
      get: { summary: "The organization's API tokens (never their values)", responses: { "200": json("ApiTokenList"), ...common } },
      post: {
        summary: "Create an API token: ADMIN (every organization route) or PUBLISH (only POST /events); the token is in this answer only",
        requestBody: body("ApiTokenInput"),
        responses: { "201": json("ApiTokenCreated", "Created"), "400": error("Invalid body"), "415": error("The body is not sent as application/json"), ...common },
      },
    }),
    "/tokens/{id}": scopedPath({
      parameters: [uuidParam("id")],
      delete: { summary: "Revoke an API token (its next request gets 401)", responses: { "204": { description: "Revoked" }, "404": notFound, ...common } },
    }),
    "/organizations": {
      get: {
        summary: "Organizations, oldest first (operator only)",
        parameters: queryParameters(organizationsQuerySchema.shape),
        responses: { "200": json("OrganizationPage"), "400": error("Invalid parameter"), ...operatorOnly },
      },
      post: {
        summary: "Create an organization (operator only)",
        requestBody: body("OrganizationInput"),
        responses: {
          "201": json("Organization", "Created"),
          "400": error("Invalid body"),
          "409": error("CONFLICT: another organization has this external_id"),
          "415": error("The body is not sent as application/json"),
          ...operatorOnly,
        },
      },
    },
    "/organizations/{org}": {
      parameters: [orgParam],
      get: { summary: "An organization (operator only)", responses: { "200": json("Organization"), "404": noOrg, ...operatorOnly } },
      patch: {
        summary: "Rename an organization or change its external_id (operator only)",
        requestBody: body("OrganizationPatch"),
        responses: { "200": json("Organization"), "400": error("Invalid body"), "404": noOrg, "409": error("CONFLICT: another organization has this external_id"), ...operatorOnly },
      },
      delete: {
        summary: "Delete an organization with its connections, secrets, events, failures, people and tokens, in one transaction (operator only)",
        responses: { "204": { description: "Deleted; its tokens and sessions stop working" }, "404": noOrg, ...operatorOnly },
      },
    },
    "/organizations/{org}/members": {
      parameters: [orgParam],
      get: { summary: "The organization's people, admins first (operator only)", responses: { "200": json("MemberList"), "404": noOrg, ...operatorOnly } },
      post: {
        summary: "Invite a person: INVITED until they accept the emailed link (valid 72 hours) (operator only)",
        requestBody: body("MemberInput"),
        responses: {
          "201": json("Member", "Invited; the invitation email is on its way"),
          "400": error("Invalid body"),
          "404": noOrg,
          "409": error("CONFLICT: the email is already a member here, or belongs to another organization (an email belongs to one organization)"),
          "415": error("The body is not sent as application/json"),
          ...operatorOnly,
          "503": error(`WORKER_UNAVAILABLE: no worker has set up the email queue yet; or ${DATABASE_DOWN}`),
        },
      },
    },
    "/organizations/{org}/members/{userId}": {
      parameters: [orgParam, uuidParam("userId")],
      get: { summary: "One person (operator only)", responses: { "200": json("Member"), "404": error("NOT_FOUND: no such organization, or no such person in it"), ...operatorOnly } },
      patch: {
        summary: "Change a person's role or name (operator only)",
        requestBody: body("MemberPatch"),
        responses: {
          "200": json("Member"),
          "400": error("Invalid body"),
          "404": error("NOT_FOUND: no such organization, or no such person in it"),
          "409": error("LAST_ADMIN: the organization's last admin (counting ACTIVE and INVITED) cannot be demoted"),
          ...operatorOnly,
        },
      },
      delete: {
        summary: "Remove a person, or revoke an invitation; their API tokens go with them (operator only)",
        responses: {
          "204": { description: "Removed" },
          "404": error("NOT_FOUND: no such organization, or no such person in it"),
          "409": error("LAST_ADMIN: the organization's last admin (counting ACTIVE and INVITED) cannot be removed"),
          ...operatorOnly,
        },
      },
    },
    "/organizations/{org}/members/{userId}/invitation": {
      parameters: [orgParam, uuidParam("userId")],
      post: {
        summary: "Email an INVITED person a new invitation link, valid 72 hours; the earlier one stops working (operator only)",
        responses: {
          "200": json("Member"),
          "404": error("NOT_FOUND: no such organization, or no such person in it"),
          "409": error("CONFLICT: they already accepted"),
          ...operatorOnly,
          "503": error(`WORKER_UNAVAILABLE: no worker has set up the email queue yet; or ${DATABASE_DOWN}`),
        },
      },
    },
    "/organizations/{org}/portal-links": {
      parameters: [orgParam],
      post: {
        summary: "A single-use sign-in link (valid 10 minutes) that signs the person in to this organization and lands on Event Streaming (operator only)",
        description:
          "Creates the person with the given role when absent (an existing person keeps theirs; an invited one becomes ACTIVE). Opening the link shows a one-click Continue page, so mail scanners cannot use it up; a used or expired link lands on the sign-in page with a message.",
        requestBody: body("PortalLinkInput"),
        responses: {
          "201": json("PortalLink", "Created"),
          "400": error("Invalid body"),
          "404": noOrg,
          "409": error("CONFLICT: the email belongs to another organization"),
          "415": error("The body is not sent as application/json"),
          ...operatorOnly,
        },
      },
    },
  },
};
