import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { USER_AGENT } from "../../lib/delivery/delivery-request";
import { AppError } from "../../lib/errors";
import { loadFailureDetail } from "../../lib/failures/failure-detail";
import { createTestDatabase, type TestDatabase } from "../helpers/db";
import { startReceiver, type Receiver } from "../helpers/receiver";
import { streamingFixture, waitUntil } from "../helpers/streaming";

let t: TestDatabase;
let f: Awaited<ReturnType<typeof streamingFixture>>;
let r: Receiver;

beforeEach(async () => {
  t = await createTestDatabase();
  f = await streamingFixture(t, { RETRY_BASE_DELAY_MS: "20", RETRY_MAX_DELAY_MS: "100" });
  r = await startReceiver();
});
afterEach(async () => {
  await f.close();
  await r.close();
  await t.drop();
});

/** Streams until the connection's first failed attempt is recorded; returns its id. */
async function firstFailure(connectionId: string): Promise<string> {
  r.respondWith({ status: 500, body: "intake overloaded" });
  await f.startWorker({ maxInFlight: 1 });
  await waitUntil(async () => (await t.db.deliveryFailure.count({ where: { connectionId } })) > 0, 10_000, "a failed attempt");
  return (await t.db.deliveryFailure.findFirstOrThrow({ where: { connectionId }, orderBy: { attempt: "asc" } })).id;
}

describe("a failed delivery's detail", () => {
  it("shows the request as it was built, API keys masked, and the event it carried", async () => {
    const { id } = await f.connect(r, {
      type: "API_KEY",
      keys: [
        { key: "X-Api-Key", value: "super-secret-value-9876", add_to: "HEADER" },
        { key: "ddtags", value: "env:prod-1234", add_to: "QUERY" },
      ],
    });
    const detail = await loadFailureDetail(f.pool, f.principal.organizationId, await firstFailure(id));
    expect(detail.requestHeaders).toEqual([
      { name: "Content-Type", value: "application/json" },
      { name: "User-Agent", value: USER_AGENT },
      { name: "X-Api-Key", value: "••••9876" },
    ]);
    expect(detail.queryKeys).toEqual([{ name: "ddtags", value: "••••1234" }]);
    expect(detail).toMatchObject({ statusCode: 500, responseExcerpt: "intake overloaded", attempt: 1, outcome: "RETRYING", connection: { id, url: r.url } });
    expect(detail.event?.event_type).toBe("EVENT_STREAM_CONNECTIONS_CREATED");
    expect(JSON.stringify(detail)).not.toContain("super-secret-value-9876");
    expect(JSON.stringify(detail)).not.toContain("env:prod-1234");
  });

  it("shows the HMAC timestamp of the attempt and no signature", async () => {
    const { id, hmacSecret } = await f.connect(r, { type: "HMAC" });
    const detail = await loadFailureDetail(f.pool, f.principal.organizationId, await firstFailure(id));
    expect(detail.requestHeaders.map((h) => h.name)).toEqual(["Content-Type", "User-Agent", "X-Opal-Request-Timestamp", "X-Opal-Signature"]);
    expect(detail.requestHeaders[2]!.value).toBe(String(Math.floor(new Date(detail.attemptedAt).getTime() / 1000)));
    expect(JSON.stringify(detail)).not.toContain(hmacSecret!);
  });

  it("is not found for another organization", async () => {
    const { id } = await f.connect(r);
    const failureId = await firstFailure(id);
    const other = await t.db.organization.create({ data: { name: "Other" } });
    await expect(loadFailureDetail(f.pool, other.id, failureId)).rejects.toBeInstanceOf(AppError);
  });
});
