import { describe, expect, it } from "vitest";
import { openApiDocument } from "../../lib/api/openapi";
import { newConnectionSchema, updateConnectionSchema } from "../../lib/connections/schemas";
import { ingestBodySchema } from "../../lib/events/ingest";
import { parseRedeliveryRequest } from "../../lib/failures/redelivery";
import { newApiTokenSchema } from "../../lib/auth/token-schemas";
import { inviteMemberSchema, memberPatchSchema } from "../../lib/members/schemas";
import { newOrganizationSchema, organizationPatchSchema } from "../../lib/organizations/schemas";
import { portalLinkRequestSchema } from "../../lib/portal/schemas";
import { METHODS, type OpenApiDocument, operations, requestProblems } from "../helpers/openapi";

// The served document as a client reads it (JSON), checked against the schemas it is generated from.
const doc = JSON.parse(JSON.stringify(openApiDocument)) as OpenApiDocument;

function refs(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v) => refs(v, found));
  else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      if (k === "$ref" && typeof v === "string") found.push(v);
      else refs(v, found);
    }
  }
  return found;
}

describe("the OpenAPI document", () => {
  it("is OpenAPI 3.1 whose every reference points at a component schema", () => {
    expect(doc.openapi).toBe("3.1.0");
    const names = Object.keys(doc.components.schemas);
    for (const ref of refs(doc)) expect(names.map((n) => `#/components/schemas/${n}`)).toContain(ref);
  });

  it("leaves the dialect to the document: no component carries its own $schema or $id", () => {
    for (const [name, schema] of Object.entries(doc.components.schemas)) {
      expect(Object.keys(schema), name).not.toContain("$schema");
      expect(Object.keys(schema), name).not.toContain("$id");
    }
  });

  it("gives every answer with a body a schema, and every operation its 401", () => {
    for (const op of operations(doc)) {
      const [method, path] = op.split(" ") as [string, string];
      const { responses } = doc.paths[path]![method.toLowerCase()] as { responses: Record<string, { content?: unknown }> };
      expect(Object.keys(responses), op).toContain("401");
      for (const [status, r] of Object.entries(responses)) if (status !== "204") expect(r.content, `${op} ${status}`).toBeDefined();
    }
    expect(operations(doc).every((op) => METHODS.includes(op.split(" ")[0]!.toLowerCase() as never))).toBe(true);
  });

  // Bodies on both sides of each limit: the document refuses what the API refuses, because both are the same zod schema.
  const name = (n: number) => "x".repeat(n);
  const keys = (n: number) => ({ type: "API_KEY", keys: Array.from({ length: n }, (_, i) => ({ key: `K${i}`, value: "v", add_to: "HEADER" })) });
  const connection = { name: "Datadog", url: "https://logs.example.com/intake", auth: { type: "NONE" } };
  it.each([
    ["a name of 100 characters", { ...connection, name: name(100) }],
    ["a name of 101 characters", { ...connection, name: name(101) }],
    ["an empty name", { ...connection, name: "" }],
    ["a URL of 2,049 characters", { ...connection, url: `https://a.example.com/${name(2026)}` }],
    ["5 API keys", { ...connection, auth: keys(5) }],
    ["6 API keys", { ...connection, auth: keys(6) }],
    ["no API key", { ...connection, auth: keys(0) }],
    ["an unknown authorization type", { ...connection, auth: { type: "BASIC" } }],
    ["a header name of 257 characters", { ...connection, auth: { type: "API_KEY", keys: [{ key: name(257), value: "v", add_to: "HEADER" }] } }],
  ])("agrees with the API on a new connection with %s", (_label, body) => {
    expect(requestProblems(doc, "POST /connections", body).length === 0).toBe(newConnectionSchema.safeParse(body).success);
  });

  it.each([
    ["a rename", { name: "Renamed" }],
    ["an unknown field", { name: "Renamed", cursor: 0 }],
    ["enabled as text", { enabled: "yes" }],
  ])("agrees with the API on a PATCH with %s", (_label, body) => {
    expect(requestProblems(doc, "PATCH /connections/{id}", body).length === 0).toBe(updateConnectionSchema.safeParse(body).success);
  });

  const event = { event_type: "USER_LOGGED_IN" };
  it.each([
    ["one event", event],
    ["a batch of 1,000", Array.from({ length: 1000 }, () => event)],
    ["a batch of 1,001", Array.from({ length: 1001 }, () => event)],
    ["an empty batch", []],
    ["a lower-case event type", { event_type: "user_logged_in" }],
    ["an event type of 129 characters", { event_type: "X".repeat(129) }],
    ["an unknown severity", { ...event, severity: "LOUD" }],
    ["an unknown field", { ...event, colour: "red" }],
    ["an actor email of 321 characters", { ...event, actor_email: name(321) }],
    ["a null actor", { ...event, actor_name: null }],
  ])("agrees with the API on publishing %s", (_label, body) => {
    expect(requestProblems(doc, "POST /events", body).length === 0).toBe(ingestBodySchema.safeParse(body).success);
  });

  it.each([
    ["one id", { ids: [crypto.randomUUID()] }],
    ["1,001 ids", { ids: Array.from({ length: 1001 }, () => crypto.randomUUID()) }],
    ["an id that is not a UUID", { ids: ["not-a-uuid"] }],
    ["a filter", { connection_id: crypto.randomUUID(), status_class: "5xx" }],
    ["an empty filter", {}],
    ["an unknown filter field", { shade: "blue" }],
  ])("agrees with the API on a redelivery request with %s", (_label, body) => {
    let accepted = true;
    try {
      parseRedeliveryRequest(body);
    } catch {
      accepted = false;
    }
    expect(requestProblems(doc, "POST /failures/redeliver", body).length === 0).toBe(accepted);
  });

  it.each([
    ["POST /tokens", newApiTokenSchema, [{ name: "CI", scope: "PUBLISH" }, { name: "CI" }, { name: "", scope: "ADMIN" }, { name: "CI", scope: "READ" }]],
    ["POST /organizations", newOrganizationSchema, [{ name: "Acme" }, { name: "Acme", external_id: "t-1" }, { name: "Acme", external_id: null }, {}, { name: "x".repeat(121) }]],
    ["PATCH /organizations/{org}", organizationPatchSchema, [{ name: "Acme 2" }, { external_id: null }, {}]],
    ["POST /organizations/{org}/members", inviteMemberSchema, [{ email: "a@b.test", role: "ADMIN" }, { email: "a@b.test" }, { email: "a@b.test", role: "OWNER" }, { role: "ADMIN" }]],
    ["PATCH /organizations/{org}/members/{userId}", memberPatchSchema, [{ role: "MEMBER" }, { name: "Ann" }, {}, { role: "OWNER" }]],
    ["POST /organizations/{org}/portal-links", portalLinkRequestSchema, [{ email: "a@b.test" }, { email: "a@b.test", role: "ADMIN", name: "Ann" }, { role: "ADMIN" }]],
  ] as const)("agrees with the API on the bodies of %s", (operation, schema, bodies) => {
    for (const body of bodies) expect(requestProblems(doc, operation, body).length === 0, JSON.stringify(body)).toBe(schema.safeParse(body).success);
  });
});
