import { z } from "zod";

// Checks real answers against the schemas of the served OpenAPI document. The document's JSON
// Schema is turned back into a validator with zod's own converter, so no second library is needed.

type Content = Record<string, { schema: object }>;
type Operation = { requestBody?: { content: Content }; responses: Record<string, { content?: Content }> };
export type OpenApiDocument = {
  openapi: string;
  paths: Record<string, Record<string, Operation | unknown>>;
  webhooks?: Record<string, Record<string, Operation | unknown>>;
  components: { schemas: Record<string, object> };
};

export const METHODS = ["get", "post", "put", "patch", "delete"] as const;

/** Every documented operation as "METHOD /path". */
export function operations(doc: OpenApiDocument): string[] {
  return Object.entries(doc.paths).flatMap(([path, item]) => METHODS.filter((m) => m in item).map((m) => `${m.toUpperCase()} ${path}`));
}

// The document refers to #/components/schemas/X; zod resolves #/$defs/X of the schema it converts.
function standalone(doc: OpenApiDocument, schema: object): object {
  const local = (v: object) => JSON.parse(JSON.stringify(v).replaceAll('"#/components/schemas/', '"#/$defs/'));
  return { ...local(schema), $defs: local(doc.components.schemas) };
}

/**
 * What is wrong with an answer, by the document: an undocumented status, a body where none is
 * documented, or each field that is missing, mistyped or not documented. Empty when it conforms.
 */
export function answerProblems(doc: OpenApiDocument, operation: string, status: number, body: unknown): string[] {
  const [method, path] = operation.split(" ") as [string, string];
  const op = doc.paths[path]?.[method.toLowerCase()] as Operation | undefined;
  if (!op) return [`${operation} is not documented`];
  const response = op.responses[String(status)];
  if (!response) return [`${operation} answered ${status}, which is not documented (documented: ${Object.keys(op.responses).join(", ")})`];
  const schema = response.content?.["application/json"]?.schema;
  if (!schema) return body === undefined ? [] : [`${operation} ${status} is documented without a body, but one came`];
  const result = z.fromJSONSchema(standalone(doc, schema) as never).safeParse(body);
  return result.success ? [] : flatten(result.error.issues).map((i) => `${operation} ${status} ${i.path.join(".") || "(body)"}: ${i.message}`);
}

type Issue = { path: PropertyKey[]; message: string; code?: string; errors?: Issue[][] };

/** An answer documented as one of several schemas (anyOf) fails each: every alternative's problems, so the field is named. */
function flatten(issues: readonly Issue[], at: PropertyKey[] = []): { path: PropertyKey[]; message: string }[] {
  return issues.flatMap((i) =>
    i.code === "invalid_union" && i.errors?.length
      ? i.errors.flatMap((alternative) => flatten(alternative, [...at, ...i.path]))
      : [{ path: [...at, ...i.path], message: i.message }],
  );
}

/**
 * What the document's request schema of an operation refuses in a body; empty when it accepts it.
 * `webhooks` looks the operation up among the requests Tributary sends (`POST event`).
 */
export function requestProblems(doc: OpenApiDocument, operation: string, body: unknown, section: "paths" | "webhooks" = "paths"): string[] {
  const [method, path] = operation.split(" ") as [string, string];
  const schema = (doc[section]?.[path]?.[method.toLowerCase()] as Operation | undefined)?.requestBody?.content["application/json"]?.schema;
  if (!schema) return [`${operation} documents no JSON body`];
  const result = z.fromJSONSchema(standalone(doc, schema) as never).safeParse(body);
  return result.success ? [] : result.error.issues.map((i) => `${i.path.join(".") || "(body)"}: ${i.message}`);
}
