// The REST API as an OpenAPI 3.1 document, served at /api/v1/openapi.json.

const error = {
  type: "object",
  required: ["error"],
  properties: {
    error: {
      type: "object",
      required: ["code", "message"],
      properties: { code: { type: "string", example: "VALIDATION_FAILED" }, message: { type: "string" }, details: {} },
    },
  },
};

const errorResponse = (description: string) => ({ description, content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } } });
const json = (schema: object, description = "OK") => ({ description, content: { "application/json": { schema } } });
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const idParam = { name: "id", in: "path", required: true, schema: { type: "string", format: "uuid" } };
const common = {
  "401": errorResponse("Missing or unknown token"),
  "403": errorResponse("Token of a non-admin"),
  "429": {
    ...errorResponse("RATE_LIMITED: the token's requests per minute (API_RATE_LIMIT, or INGEST_RATE_LIMIT for publishing) are used up"),
    headers: { "Retry-After": { description: "Seconds until a request is allowed again", schema: { type: "integer" } } },
  },
};

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
    schemas: {
      Error: error,
      ApiKey: {
        type: "object",
        required: ["key", "value", "add_to"],
        properties: {
          key: { type: "string", description: "Header name (RFC 9110 token) or query parameter name" },
          value: { type: "string", description: "On PATCH, omit to keep the stored value of the same key" },
          add_to: { enum: ["HEADER", "QUERY"] },
        },
      },
      Auth: {
        oneOf: [
          { type: "object", required: ["type"], properties: { type: { const: "NONE" } } },
          {
            type: "object",
            required: ["type", "keys"],
            properties: { type: { const: "API_KEY" }, keys: { type: "array", minItems: 1, maxItems: 5, items: ref("ApiKey") } },
          },
          { type: "object", required: ["type"], properties: { type: { const: "HMAC" } } },
        ],
      },
      ConnectionInput: {
        type: "object",
        required: ["name", "url", "auth"],
        properties: { name: { type: "string", maxLength: 100 }, url: { type: "string", format: "uri" }, auth: ref("Auth") },
      },
      Connection: {
        type: "object",
        properties: {
          id: { type: "string", format: "uuid" },
          name: { type: "string" },
          url: { type: "string" },
          enabled: { type: "boolean" },
          disabled_at: { type: ["string", "null"], format: "date-time" },
          disabled_reason: { enum: ["MANUAL", "AUTO", null] },
          auth: {
            type: "object",
            properties: {
              type: { enum: ["NONE", "API_KEY", "HMAC"] },
              keys: {
                type: "array",
                items: { type: "object", properties: { key: { type: "string" }, add_to: { enum: ["HEADER", "QUERY"] }, value_hint: { type: "string" } } },
              },
              hmac_secrets: {
                type: "array",
                items: { type: "object", properties: { id: { type: "string" }, created_at: { type: "string" }, hint: { type: "string" } } },
              },
            },
          },
          created_at: { type: "string", format: "date-time" },
          updated_at: { type: "string", format: "date-time" },
        },
      },
      EventInput: {
        type: "object",
        required: ["event_type"],
        additionalProperties: false,
        properties: {
          id: { type: "string", format: "uuid", description: "Generated when absent; re-sending a stored id is a no-op" },
          transaction_id: { type: "string", format: "uuid" },
          event_type: { type: "string", pattern: "^[A-Z0-9_]+$" },
          severity: { enum: ["INFO", "WARNING", "ALERT"], default: "INFO" },
          timestamp: { type: "string", format: "date-time" },
          actor_email: { type: ["string", "null"] },
          actor_ip_address: { type: ["string", "null"] },
          actor_name: { type: ["string", "null"] },
          actor_user_id: { type: ["string", "null"] },
          actor_user_agent: { type: ["string", "null"] },
          data: { type: "object", default: {} },
        },
      },
      RedeliveryRequest: {
        oneOf: [
          {
            type: "object",
            required: ["ids"],
            additionalProperties: false,
            description: "Redeliver the events of these failed attempts (any outcome but RETRYING).",
            properties: { ids: { type: "array", minItems: 1, maxItems: 1000, items: { type: "string", format: "uuid" } } },
          },
          {
            type: "object",
            minProperties: 1,
            additionalProperties: false,
            description: "Redeliver every still-undelivered event (GIVEN_UP or REJECTED) matching the filter, at most 100,000.",
            properties: {
              connection_id: { type: "string", format: "uuid" },
              since: { type: "string", format: "date-time" },
              until: { type: "string", format: "date-time" },
              status_class: { enum: ["4xx", "5xx", "network"] },
              event_type: { type: "string", pattern: "^[A-Z0-9_]+$" },
            },
          },
        ],
      },
      Redelivery: {
        type: "object",
        properties: {
          id: { type: "string", format: "uuid" },
          status: { enum: ["QUEUED", "RUNNING", "COMPLETED", "CANCELLED"] },
          criteria: { type: "object", description: "The request's ids or filter" },
          total: { type: "integer", description: "Events in this redelivery (one per connection and event)" },
          succeeded: { type: "integer" },
          failed: { type: "integer", description: "Sent and not answered 2xx, or not sent after the destination failed 5 times in a row" },
          skipped: { type: "integer", description: "Not sent: connection disabled or deleted, still retrying, already being redelivered, cancelled" },
          pending: { type: "integer" },
          requested_by: { type: ["object", "null"], properties: { id: { type: "string" }, name: { type: "string" } } },
          created_at: { type: "string", format: "date-time" },
          started_at: { type: ["string", "null"], format: "date-time" },
          finished_at: { type: ["string", "null"], format: "date-time" },
        },
      },
      TestResult: {
        type: "object",
        properties: {
          ok: { type: "boolean" },
          status: { type: ["integer", "null"] },
          latency_ms: { type: "integer" },
          error: { type: ["string", "null"] },
          response_excerpt: { type: ["string", "null"] },
        },
      },
    },
  },
  paths: {
    "/events": {
      post: {
        summary: "Publish one event or a batch of up to 1,000 (≤ 5 MiB); all or nothing, idempotent on id",
        requestBody: {
          required: true,
          content: {
            "application/json": {
              schema: {
                oneOf: [
                  { $ref: "#/components/schemas/EventInput" },
                  { type: "array", minItems: 1, maxItems: 1000, items: { $ref: "#/components/schemas/EventInput" } },
                ],
              },
            },
          },
        },
        responses: {
          "202": json({ type: "object", properties: { accepted: { type: "integer" }, ids: { type: "array", items: { type: "string", format: "uuid" } } } }, "Accepted"),
          "400": errorResponse("VALIDATION_FAILED: details list {index, path, message} per problem (also for EVENT_STREAM_* types and data nested deeper than 32 levels); nothing stored"),
          "413": errorResponse("More than 1,000 events or 5 MiB"),
          ...common,
        },
      },
    },
    "/failures": {
      get: {
        summary: "Failed delivery attempts of the last 30 days, newest first (keyset pagination)",
        parameters: [
          { name: "connection_id", in: "query", schema: { type: "string", format: "uuid" } },
          { name: "since", in: "query", schema: { type: "string", format: "date-time" } },
          { name: "until", in: "query", schema: { type: "string", format: "date-time" } },
          { name: "status_class", in: "query", schema: { enum: ["4xx", "5xx", "network"] } },
          { name: "event_type", in: "query", schema: { type: "string" } },
          { name: "cursor", in: "query", schema: { type: "string" }, description: "next_cursor of the previous page" },
          { name: "limit", in: "query", schema: { type: "integer", minimum: 1, maximum: 200, default: 50 } },
        ],
        responses: {
          "200": json({
            type: "object",
            properties: {
              data: {
                type: "array",
                items: {
                  type: "object",
                  properties: {
                    id: { type: "string" },
                    connection_id: { type: "string" },
                    connection_name: { type: "string" },
                    event_id: { type: "string" },
                    event_type: { type: "string" },
                    attempted_at: { type: "string", format: "date-time" },
                    attempt: { type: "integer" },
                    status_code: { type: ["integer", "null"] },
                    error: { type: ["string", "null"] },
                    response_excerpt: { type: ["string", "null"] },
                    latency_ms: { type: "integer" },
                    outcome: { enum: ["RETRYING", "DELIVERED_LATER", "GIVEN_UP", "REJECTED", "REDELIVERED"] },
                  },
                },
              },
              next_cursor: { type: ["string", "null"] },
            },
          }),
          "400": errorResponse("Invalid parameter"),
          ...common,
        },
      },
    },
    "/failures/redeliver": {
      post: {
        summary: "Redeliver failed deliveries in the background",
        description:
          "Each (connection, event) is sent once more through the normal signed path by the worker. Poll the Location for progress. A 2xx marks the event's failed attempts REDELIVERED; a failure is listed as one more attempt.",
        requestBody: { required: true, content: { "application/json": { schema: ref("RedeliveryRequest") } } },
        responses: {
          "202": { description: "Queued", headers: { Location: { schema: { type: "string" } } }, content: { "application/json": { schema: ref("Redelivery") } } },
          "400": errorResponse("Invalid body, or more than 100,000 events match"),
          "404": errorResponse("An id is not a failed delivery of the last 30 days (details.missing_ids)"),
          "409": errorResponse("Nothing to redeliver (details.skipped gives the reasons)"),
          "503": errorResponse("WORKER_UNAVAILABLE: no worker has set up the queue yet"),
          ...common,
        },
      },
    },
    "/failures/redeliveries": {
      get: { summary: "The last 50 redeliveries, newest first", responses: { "200": json({ type: "object", properties: { data: { type: "array", items: ref("Redelivery") } } }), ...common } },
    },
    "/failures/redeliveries/{id}": {
      parameters: [idParam],
      get: {
        summary: "One redelivery's progress, with the most frequent reasons events failed or were skipped",
        responses: {
          "200": json({
            allOf: [
              ref("Redelivery"),
              {
                type: "object",
                properties: {
                  problems: {
                    type: "array",
                    items: { type: "object", properties: { state: { enum: ["FAILED", "SKIPPED"] }, message: { type: "string" }, count: { type: "integer" } } },
                  },
                },
              },
            ],
          }),
          "404": errorResponse("Not found"),
          ...common,
        },
      },
    },
    "/failures/redeliveries/{id}/cancel": {
      parameters: [idParam],
      post: {
        summary: "Cancel a queued or running redelivery (events not sent yet are skipped)",
        responses: { "200": json(ref("Redelivery")), "404": errorResponse("Not found"), "409": errorResponse("Already completed or cancelled"), ...common },
      },
    },
    "/connections": {
      get: { summary: "List connections", responses: { "200": json({ type: "object", properties: { data: { type: "array", items: ref("Connection") } } }), ...common } },
      post: {
        summary: "Create a connection (sends the test event first)",
        requestBody: { required: true, content: { "application/json": { schema: ref("ConnectionInput") } } },
        responses: {
          "201": json({ allOf: [ref("Connection"), { type: "object", properties: { hmac_secret: { type: "string", description: "Only when auth.type is HMAC; shown once" } } }] }, "Created"),
          "400": errorResponse("Invalid body, destination not allowed (DESTINATION_NOT_ALLOWED), or http:// outside OUTBOUND_ALLOW_CIDRS (INSECURE_DESTINATION)"),
          "409": errorResponse("CONNECTION_LIMIT_REACHED"),
          "422": errorResponse("DESTINATION_TEST_FAILED: details carry status, latency_ms, error, response_excerpt"),
          ...common,
        },
      },
    },
    "/connections/{id}": {
      parameters: [idParam],
      get: { summary: "Get a connection", responses: { "200": json(ref("Connection")), "404": errorResponse("Not found"), ...common } },
      patch: {
        summary: "Update name, url, auth or enabled (a new url or auth is tested first)",
        requestBody: {
          required: true,
          content: {
            "application/json": {
              schema: { type: "object", properties: { name: { type: "string" }, url: { type: "string" }, auth: ref("Auth"), enabled: { type: "boolean" } } },
            },
          },
        },
        responses: {
          "200": json({ allOf: [ref("Connection"), { type: "object", properties: { hmac_secret: { type: "string", description: "Only when a new HMAC secret was generated (a switch to HMAC, or a url on a new origin); shown once" } } }] }),
          "400": errorResponse("Invalid; or the url moves to another origin while API key values were left out (stored values are never sent to a new origin)"),
          "404": errorResponse("Not found"),
          "422": errorResponse("Test failed"),
          ...common,
        },
      },
      delete: { summary: "Delete a connection", responses: { "204": { description: "Deleted" }, "404": errorResponse("Not found"), ...common } },
    },
    "/connections/{id}/test": {
      parameters: [idParam],
      post: { summary: "Send the test event (at most 10 a minute per connection; more → 429)", responses: { "200": json(ref("TestResult")), "404": errorResponse("Not found"), ...common } },
    },
    "/connections/{id}/enable": {
      parameters: [idParam],
      post: { summary: "Enable (after 7+ days disabled, resumes from the latest events)", responses: { "200": json(ref("Connection")), ...common } },
    },
    "/connections/{id}/disable": {
      parameters: [idParam],
      post: { summary: "Disable (pauses streaming)", responses: { "200": json(ref("Connection")), ...common } },
    },
    "/connections/{id}/hmac-secrets": {
      parameters: [idParam],
      post: {
        summary: "Add an HMAC secret (at most 2 active)",
        responses: { "201": json({ type: "object", properties: { id: { type: "string" }, secret: { type: "string" } } }, "Created"), "409": errorResponse("Two secrets already"), ...common },
      },
    },
    "/connections/{id}/hmac-secrets/{secretId}": {
      parameters: [idParam, { name: "secretId", in: "path", required: true, schema: { type: "string", format: "uuid" } }],
      delete: { summary: "Retire an HMAC secret (not the last one)", responses: { "204": { description: "Retired" }, "409": errorResponse("Last secret"), ...common } },
    },
  },
} as const;
