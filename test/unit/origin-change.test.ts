import { describe, expect, it } from "vitest";
import { originChanges } from "../../lib/connections/origin-change";

describe("originChanges", () => {
  it.each([
    ["https://http-intake.logs.datadoghq.com/api/v2/logs", "https://http-intake.logs.datadoghq.eu/api/v2/logs", true],
    ["https://logs.example.com/intake", "http://logs.example.com/intake", true],
    ["https://logs.example.com/intake", "https://logs.example.com:8443/intake", true],
    ["https://logs.example.com/intake", "https://evil.example/intake", true],
    ["https://logs.example.com/intake", "https://logs.example.com/v2/intake?x=1", false],
    ["https://logs.example.com/intake", "https://LOGS.example.com:443/other", false],
    ["https://logs.example.com/intake", undefined, false],
  ])("%s → %s: %s", (before, after, expected) => {
    expect(originChanges(before, after)).toBe(expected);
  });
});
