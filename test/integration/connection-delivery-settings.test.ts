import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createConnection, eventTypeChoices, getConnection, updateConnection } from "../../lib/connections/service";
import { AppError } from "../../lib/errors";
import { EVENT_TYPES } from "../../lib/events/event-types";
import { purgeEventTypes } from "../../lib/events/event-type-catalog";
import { createTestDatabase, type TestDatabase } from "../helpers/db";
import { startReceiver, type Receiver } from "../helpers/receiver";
import { streamingFixture } from "../helpers/streaming";

let t: TestDatabase;
let f: Awaited<ReturnType<typeof streamingFixture>>;
let r: Receiver;

beforeEach(async () => {
  t = await createTestDatabase();
  f = await streamingFixture(t);
  r = await startReceiver();
});
afterEach(async () => {
  await f.close();
  await r.close();
  await t.drop();
});

const create = (extra: Record<string, unknown> = {}) => createConnection(f.deps, f.principal, { name: "Intake", url: r.url, auth: { type: "NONE" }, ...extra });

async function refused(p: Promise<unknown>): Promise<AppError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
}

describe("a connection's delivery settings", () => {
  it("default to the seed's behaviour: one event per POST, uncompressed, every type, no catch-up limit", async () => {
    const { connection } = await create();
    expect(connection).toMatchObject({
      format: "EVENT",
      batch: { max_events: 500, max_bytes: 1_000_000, max_wait_ms: 1000 },
      compression: "NONE",
      event_filter: null,
      max_event_age_seconds: null,
      catch_up_skip: null,
    });
    expect(r.requests[0]!.rawBody).toBe(JSON.stringify(r.requests[0]!.json));
  });

  it("are stored as given, and the test event goes in the chosen format, uncompressed", async () => {
    const { connection } = await create({
      format: "SPLUNK_HEC",
      batch: { max_events: 1000, max_bytes: 1_000_000, max_wait_ms: 250 },
      compression: "GZIP",
      event_filter: { include: ["USER_*"], exclude: ["USER_LOGGED_OUT"] },
      max_event_age_seconds: 64_800,
    });
    expect(connection).toMatchObject({
      format: "SPLUNK_HEC",
      batch: { max_events: 1000, max_bytes: 1_000_000, max_wait_ms: 250 },
      compression: "GZIP",
      event_filter: { include: ["USER_*"], exclude: ["USER_LOGGED_OUT"] },
      max_event_age_seconds: 64_800,
    });
    const test = r.requests[0]!;
    expect(test.headers["content-encoding"]).toBeUndefined();
    expect(test.envelopes).toHaveLength(1);
    expect(test.envelopes[0]).toMatchObject({ sourcetype: "opal:event", event: { event_type: EVENT_TYPES.connectionTested } });
  });

  it("refuses bad settings with the field's path, without sending anything", async () => {
    const err = await refused(create({ format: "XML", batch: { max_events: 5000 }, event_filter: { include: ["lower_case"] } }));
    expect(err.code).toBe("VALIDATION_FAILED");
    expect((err.details as { path: string }[]).map((d) => d.path)).toEqual(["format", "batch.max_events", "event_filter.include.0"]);
    expect(r.requests).toHaveLength(0);
  });

  it("tests again when an edit changes the format, not when it changes only batching, compression or the filter", async () => {
    const { connection } = await create();
    const quiet = await updateConnection(f.deps, f.principal, connection.id, {
      batch: { max_wait_ms: 50 },
      compression: "GZIP",
      event_filter: { include: ["USER_*"] },
      max_event_age_seconds: 3600,
    });
    expect(quiet.test).toBeNull();
    expect(r.requests).toHaveLength(1);
    expect(quiet.connection).toMatchObject({ batch: { max_events: 500, max_bytes: 1_000_000, max_wait_ms: 50 }, compression: "GZIP", max_event_age_seconds: 3600 });

    const moved = await updateConnection(f.deps, f.principal, connection.id, { format: "NDJSON" });
    expect(moved.test).toMatchObject({ ok: true });
    expect(r.requests).toHaveLength(2);
    expect(r.requests[1]!.headers["content-type"]).toBe("application/x-ndjson");

    const audit = await t.db.event.findMany({ where: { eventType: EVENT_TYPES.connectionUpdated }, orderBy: { seq: "asc" } });
    expect(audit.map((a) => (a.data as { changed: string[] }).changed)).toEqual([["batch", "compression", "event_filter", "max_event_age_seconds"], ["format"]]);

    // A format the destination does not take is refused like a bad URL, and nothing changes.
    r.respondWith({ status: 400, body: "expected a JSON array" });
    const err = await refused(updateConnection(f.deps, f.principal, connection.id, { format: "JSON_ARRAY" }));
    expect(err.code).toBe("DESTINATION_TEST_FAILED");
    expect((await getConnection(f.deps, f.principal.organizationId, connection.id)).format).toBe("NDJSON");

    // Clearing the filter and the catch-up limit.
    r.respondWith({ status: 200 });
    const cleared = await updateConnection(f.deps, f.principal, connection.id, { event_filter: { include: [], exclude: [] }, max_event_age_seconds: null });
    expect(cleared.connection).toMatchObject({ event_filter: null, max_event_age_seconds: null });
  });
});

describe("the event types a filter can pick from", () => {
  it("are those published in the last 30 days and Tributary's own, kept beside the log", async () => {
    await f.publish([...f.events(3, "USER_LOGGED_IN"), ...f.events(2, "ACCESS_GRANTED")]);
    const choices = await eventTypeChoices(f.deps, f.principal.organizationId);
    expect(choices).toEqual(expect.arrayContaining(["USER_LOGGED_IN", "ACCESS_GRANTED", ...Object.values(EVENT_TYPES)]));
    expect(choices).toEqual([...choices].sort());

    await f.pool.query("UPDATE event_types SET last_seen_at = now() - interval '31 days' WHERE event_type = 'ACCESS_GRANTED'");
    expect(await eventTypeChoices(f.deps, f.principal.organizationId)).not.toContain("ACCESS_GRANTED");
    // Seen again: offered again.
    await f.publish(f.events(1, "ACCESS_GRANTED"));
    expect(await eventTypeChoices(f.deps, f.principal.organizationId)).toContain("ACCESS_GRANTED");

    await f.pool.query("UPDATE event_types SET last_seen_at = now() - interval '31 days' WHERE event_type = 'USER_LOGGED_IN'");
    expect(await purgeEventTypes(f.pool)).toBe(1);
    expect(await t.db.eventType.count({ where: { eventType: "USER_LOGGED_IN" } })).toBe(0);
  });

  it("are refreshed at most hourly, so a steady stream of one type rewrites its row rarely", async () => {
    await f.publish(f.events(1, "USER_LOGGED_IN"));
    const first = await t.db.eventType.findFirstOrThrow({ where: { eventType: "USER_LOGGED_IN" } });
    await f.publish(f.events(1, "USER_LOGGED_IN"));
    expect((await t.db.eventType.findFirstOrThrow({ where: { eventType: "USER_LOGGED_IN" } })).lastSeenAt).toEqual(first.lastSeenAt);
    await f.pool.query("UPDATE event_types SET last_seen_at = now() - interval '2 hours' WHERE event_type = 'USER_LOGGED_IN'");
    await f.publish(f.events(1, "USER_LOGGED_IN"));
    expect((await t.db.eventType.findFirstOrThrow({ where: { eventType: "USER_LOGGED_IN" } })).lastSeenAt.getTime()).toBeGreaterThan(Date.now() - 60_000);
  });

  it("are each organization's own", async () => {
    const other = await t.db.organization.create({ data: { name: "Other" } });
    await f.pool.query("INSERT INTO event_types (organization_id, event_type, last_seen_at) VALUES ($1, 'SECRET_PROJECT_EVENT', now())", [other.id]);
    expect(await eventTypeChoices(f.deps, f.principal.organizationId)).not.toContain("SECRET_PROJECT_EVENT");
  });
});
