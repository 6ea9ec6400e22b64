import { describe, expect, it } from "vitest";
import { safeCallbackPath } from "../../lib/auth/safe-callback";

const APP = "https://tributary.example.com";

describe("safeCallbackPath", () => {
  it.each([
    ["/settings/event-streaming", "/settings/event-streaming"],
    ["/settings/event-streaming/failures?connection_id=abc#top", "/settings/event-streaming/failures?connection_id=abc#top"],
    [`${APP}/settings/api-tokens`, "/settings/api-tokens"],
    [APP, "/"],
  ])("keeps a path on this site: %s", (input, expected) => {
    expect(safeCallbackPath(input, APP)).toBe(expected);
  });

  it.each([
    "/\\evil.example",
    "/\\\\evil.example",
    "//evil.example",
    "///evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "\\\\evil.example",
    "https://evil.example/settings",
    "https://tributary.example.com.evil.example/",
    "https://tributary.example.com@evil.example/",
    "http://tributary.example.com/settings",
    "javascript:alert(1)",
    "evil.example",
    "",
  ])("sends %j to / instead of another origin", (input) => {
    expect(safeCallbackPath(input, APP)).toBe("/");
  });

  it("takes the first of repeated parameters", () => {
    expect(safeCallbackPath(["/settings/api-tokens", "//evil.example"], APP)).toBe("/settings/api-tokens");
    expect(safeCallbackPath(undefined, APP)).toBe("/");
  });
});
