import { describe, expect, it } from "vitest";
import { eventFilterPredicate, normalizeEventFilter } from "../../lib/delivery/event-filter";
import { intakeLimits } from "../../lib/delivery/intake-limits";
import { catchUpCutoff, catchUpSkip } from "../../lib/delivery/resume-cursor";

describe("event filter", () => {
  it("sends everything without a filter, or with empty lists", () => {
    expect(eventFilterPredicate(null)("ANYTHING")).toBe(true);
    expect(eventFilterPredicate({ include: [], exclude: [] })("ANYTHING")).toBe(true);
  });

  it("includes exact types and prefixes", () => {
    const passes = eventFilterPredicate({ include: ["USER_*", "ACCESS_GRANTED"], exclude: [] });
    expect(passes("USER_LOGGED_IN")).toBe(true);
    expect(passes("USER_")).toBe(true);
    expect(passes("ACCESS_GRANTED")).toBe(true);
    expect(passes("ACCESS_GRANTED_TWICE")).toBe(false);
    expect(passes("GROUP_CREATED")).toBe(false);
  });

  it("excludes after including", () => {
    const passes = eventFilterPredicate({ include: ["USER_*"], exclude: ["USER_LOGGED_*", "USER_DELETED"] });
    expect(passes("USER_CREATED")).toBe(true);
    expect(passes("USER_LOGGED_IN")).toBe(false);
    expect(passes("USER_DELETED")).toBe(false);
    expect(eventFilterPredicate({ include: [], exclude: ["EVENT_STREAM_*"] })("EVENT_STREAM_CONNECTIONS_CREATED")).toBe(false);
  });

  it("always lets the test event through", () => {
    expect(eventFilterPredicate({ include: ["USER_*"], exclude: ["EVENT_STREAM_*"] })("EVENT_STREAM_CONNECTIONS_TESTED")).toBe(true);
  });

  it("stores empty lists as no filter, and each entry once", () => {
    expect(normalizeEventFilter({ include: [], exclude: [] })).toBeNull();
    expect(normalizeEventFilter(undefined)).toBeNull();
    expect(normalizeEventFilter({ include: ["A", "A"], exclude: [] })).toEqual({ include: ["A"], exclude: [] });
  });
});

describe("intake limits", () => {
  it("knows Datadog's 5 MB and 1,000 entries on every site, and nothing of other hosts", () => {
    for (const url of ["https://http-intake.logs.datadoghq.com/api/v2/logs", "https://http-intake.logs.us5.datadoghq.com/api/v2/logs", "https://http-intake.logs.datadoghq.eu/api/v2/logs", "https://http-intake.logs.ddog-gov.com/api/v2/logs"]) {
      expect(intakeLimits(url), url).toEqual({ name: "Datadog", maxRequestBytes: 5_000_000, maxEvents: 1000 });
    }
    expect(intakeLimits("https://logs.example.com/datadoghq.com")).toBeNull();
    expect(intakeLimits("https://http-intake.logs.datadoghq.com.evil.example/")).toBeNull();
    expect(intakeLimits("not a url")).toBeNull();
  });
});

describe("catch-up limit (applied on re-enable, like the 7-day rule)", () => {
  it("skips the events after the cursor stored before the cutoff", () => {
    expect(catchUpCutoff(18 * 3600, new Date("2024-05-02T12:00:00Z"))).toEqual(new Date("2024-05-01T18:00:00Z"));
    // Cursor 100; the first event stored after the cutoff is 150: 101–149 are skipped.
    expect(catchUpSkip(100n, 150n, 200n)).toEqual({ after: 100n, through: 149n });
  });

  it("skips to the latest event when every waiting event is too old", () => {
    expect(catchUpSkip(100n, null, 200n)).toEqual({ after: 100n, through: 200n });
  });

  it("skips nothing when the first waiting event is fresh, or nothing waits", () => {
    expect(catchUpSkip(100n, 101n, 200n)).toBeNull();
    expect(catchUpSkip(100n, null, 100n)).toBeNull();
  });
});
