import { z } from "zod";
import { hmacSecretCreatedSchema, connectionSchema, connectionWithSecretSchema } from "../connections/dto";
import { testOutcomeSchema } from "../connections/destination-test";
import { apiKeySchema, authSchema, newConnectionSchema, updateConnectionSchema } from "../connections/schemas";
import { meSchema } from "../auth/api-tokens";
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
  "403": error("Token of a non-admin"),
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

export const openApiDocument = {
  openapi: "3.1.0",
  info: {
    title: "Tributary API",
    version: "1",
    description: "Manage event streaming connections. Every call needs `Authorization: Bearer <admin API token>`.",
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
        summary: "What a connection's destination receives: one event per POST, the body exactly JSON.stringify(event)",
        description:
          "API Key authorization adds the configured headers or query parameters. HMAC adds X-Opal-Request-Timestamp (unix seconds) and X-Opal-Signature: the hex HMAC-SHA256 of `v0:<timestamp>:<body>` per active secret, comma delimited.",
        security: [],
        requestBody: body("Event"),
        responses: { "200": { description: "Any 2xx counts as delivered; anything else, a timeout or a network error is a failed delivery" } },
      },
    },
  },
  paths: {
    "/me": {
      get: { summary: "The user and organization this token acts for", responses: { "200": json("Me"), ...common } },
    },
    "/events": {
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
    },
    "/failures": {
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
    },
    "/failures/redeliver": {
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
    },
    "/failures/redeliveries": {
      get: { summary: "The last 50 redeliveries, newest first", responses: { "200": json("RedeliveryList"), ...common } },
    },
    "/failures/redeliveries/{id}": {
      parameters: [uuidParam("id")],
      get: {
        summary: "One redelivery's progress, with the most frequent reasons events failed or were skipped",
        responses: { "200": json("RedeliveryDetail"), "404": notFound, ...common },
      },
    },
    "/failures/redeliveries/{id}/cancel": {
      parameters: [uuidParam("id")],
      post: {
        summary: "Cancel a queued or running redelivery (events not sent yet are skipped)",
        responses: { "200": json("Redelivery"), "404": notFound, "409": error("Already completed or cancelled"), ...common },
      },
    },
    "/connections": {
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
    },
    "/connections/{id}": {
      parameters: [uuidParam("id")],
      get: { summary: "Get a connection", responses: { "200": json("Connection"), "404": notFound, ...common } },
      patch: {
        summary: "Update name, url, auth or enabled (a new url or auth is tested first)",
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
    },
    "/connections/{id}/stats": {
      parameters: [uuidParam("id")],
      get: {
        summary: "Delivered events, failed attempts and p50/p95 latency per bucket over the last hour (1-minute buckets), 24 hours (15 minutes) or 7 days (1 hour)",
        parameters: queryParameters(statsQuerySchema.shape),
        responses: { "200": json("ConnectionStats"), "400": error("Invalid window"), "404": notFound, ...common },
      },
    },
    "/connections/{id}/test": {
      parameters: [uuidParam("id")],
      post: { summary: "Send the test event (at most 10 a minute per connection; more → 429)", responses: { "200": json("TestResult"), "404": notFound, ...common } },
    },
    "/connections/{id}/enable": {
      parameters: [uuidParam("id")],
      post: { summary: "Enable (after 7+ days disabled, resumes from the latest events)", responses: { "200": json("Connection"), "404": notFound, ...common } },
    },
    "/connections/{id}/disable": {
      parameters: [uuidParam("id")],
      post: { summary: "Disable (pauses streaming)", responses: { "200": json("Connection"), "404": notFound, ...common } },
    },
    "/connections/{id}/hmac-secrets": {
      parameters: [uuidParam("id")],
      post: {
        summary: "Add an HMAC secret (at most 2 active)",
        responses: { "201": json("HmacSecret", "Created"), "404": notFound, "409": error("Two secrets already, or not an HMAC connection"), ...common },
      },
    },
    "/connections/{id}/hmac-secrets/{secretId}": {
      parameters: [uuidParam("id"), uuidParam("secretId")],
      delete: {
        summary: "Retire an HMAC secret (not the last one)",
        responses: { "204": { description: "Retired" }, "404": notFound, "409": error("Last secret"), ...common },
      },
    },
  },
};
