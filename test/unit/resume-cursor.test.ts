import { describe, expect, it } from "vitest";
import { LONG_PAUSE_MS, resumeCursor } from "../../lib/delivery/resume-cursor";

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const disabledAt = new Date("2024-05-01T12:00:00.000Z");
const after = (ms: number) => new Date(disabledAt.getTime() + ms);

describe("resumeCursor (the 7-day rule)", () => {
  it("defines a long pause as exactly 7 days", () => {
    expect(LONG_PAUSE_MS).toBe(7 * DAY);
  });

  it("keeps the cursor after 6 days 23 hours 59 minutes", () => {
    expect(resumeCursor({ cursor: 10n, disabledAt }, 50n, after(7 * DAY - MINUTE))).toEqual({ cursor: 10n, skipped: false });
  });

  it("keeps the cursor one millisecond before 7 days", () => {
    expect(resumeCursor({ cursor: 10n, disabledAt }, 50n, after(7 * DAY - 1))).toEqual({ cursor: 10n, skipped: false });
  });

  it("skips to the latest event after exactly 7 days", () => {
    expect(resumeCursor({ cursor: 10n, disabledAt }, 50n, after(7 * DAY))).toEqual({ cursor: 50n, skipped: true });
  });

  it("skips to the latest event after 30 days", () => {
    expect(resumeCursor({ cursor: 10n, disabledAt }, 51n, after(30 * DAY))).toEqual({ cursor: 51n, skipped: true });
  });

  it("keeps the cursor of a connection that was never disabled", () => {
    expect(resumeCursor({ cursor: 10n, disabledAt: null }, 50n, after(365 * DAY))).toEqual({ cursor: 10n, skipped: false });
  });

  it("does not report a skip when nothing happened while disabled", () => {
    expect(resumeCursor({ cursor: 50n, disabledAt }, 50n, after(8 * DAY))).toEqual({ cursor: 50n, skipped: false });
  });

  it("never moves the cursor backwards", () => {
    expect(resumeCursor({ cursor: 50n, disabledAt }, 40n, after(8 * DAY))).toEqual({ cursor: 50n, skipped: false });
  });
});
