import { describe, expect, it } from "vitest";
import { readJson, toErrorResponse } from "../../lib/api/handler";
import { AppError } from "../../lib/errors";

const request = (body: string, headers: Record<string, string> = { "content-type": "application/json" }) =>
  new Request("http://localhost/api/v1/connections", { method: "POST", body, headers });

async function failure(promise: Promise<unknown>) {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
}

describe("readJson (REST request bodies)", () => {
  it("parses a JSON body", async () => {
    expect(await readJson(request('{"name":"x","auth":{"type":"NONE"}}'))).toEqual({ name: "x", auth: { type: "NONE" } });
  });

  it.each(["application/json; charset=utf-8", "application/vnd.api+json", "Application/JSON"])("accepts the content type %s", async (type) => {
    expect(await readJson(request("[1]", { "content-type": type }))).toEqual([1]);
  });

  it("answers malformed JSON with INVALID_JSON 400 and the parser's reason", async () => {
    const err = await failure(readJson(request('{"name": ')));
    expect(err.code).toBe("INVALID_JSON");
    expect(err.status).toBe(400);
    expect(err.message).toMatch(/^The body is not valid JSON: /);
  });

  it("answers an empty body with INVALID_JSON", async () => {
    expect((await failure(readJson(request("")))).code).toBe("INVALID_JSON");
  });

  it.each([["text/plain"], ["application/x-www-form-urlencoded"], ["multipart/form-data; boundary=x"]])(
    "answers %s with 415",
    async (type) => {
      const err = await failure(readJson(request('{"a":1}', { "content-type": type })));
      expect(err.code).toBe("UNSUPPORTED_MEDIA_TYPE");
      expect(err.status).toBe(415);
    },
  );

  it("answers a missing content type with 415", async () => {
    const req = new Request("http://localhost/x", { method: "POST", body: new Uint8Array(Buffer.from('{"a":1}')) });
    expect(req.headers.get("content-type")).toBeNull();
    expect((await failure(readJson(req))).status).toBe(415);
  });

  it("answers a body over the limit with 413, by declared length and by actual size", async () => {
    const big = JSON.stringify({ pad: "x".repeat(2000) });
    const declared = await failure(readJson(request("{}", { "content-type": "application/json", "content-length": "5000" }), 1000));
    expect(declared.code).toBe("PAYLOAD_TOO_LARGE");
    expect(declared.status).toBe(413);
    const actual = await failure(readJson(request(big), 1000));
    expect(actual.code).toBe("PAYLOAD_TOO_LARGE");
    expect(await readJson(request(big), 4000)).toEqual({ pad: "x".repeat(2000) });
  });

  it("counts bytes, not characters, against the limit", async () => {
    const body = JSON.stringify({ s: "€".repeat(400) }); // 1,200 bytes in UTF-8, ~408 characters
    expect((await failure(readJson(request(body), 1000))).code).toBe("PAYLOAD_TOO_LARGE");
  });
});

describe("error responses", () => {
  it.each([
    ["VALIDATION_FAILED", 400],
    ["DESTINATION_NOT_ALLOWED", 400],
    ["NOT_FOUND", 404],
    ["CONFLICT", 409],
    ["CONNECTION_LIMIT_REACHED", 409],
    ["DESTINATION_TEST_FAILED", 422],
  ] as const)("sends %s as HTTP %i with code, message and details", async (code, status) => {
    const res = toErrorResponse(new AppError(code, "Do this next.", { ok: false, status: 500 }));
    expect(res.status).toBe(status);
    expect(await res.json()).toEqual({ error: { code, message: "Do this next.", details: { ok: false, status: 500 } } });
  });

  it("omits details when there are none", async () => {
    expect(await toErrorResponse(new AppError("NOT_FOUND", "Gone.")).json()).toEqual({ error: { code: "NOT_FOUND", message: "Gone." } });
  });
});
