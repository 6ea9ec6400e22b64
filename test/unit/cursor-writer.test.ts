import { describe, expect, it } from "vitest";
import { CursorWriter } from "../../lib/connections/cursor-writer";

// The statements a CursorWriter sends, recorded; the database part is tested in group-starts.test.ts.
function recordingDb(fail = false, skipFirst: string[] = []) {
  const statements: { ids: string[]; cursors: string[] }[] = [];
  let release: () => void = () => undefined;
  let gate: Promise<void> = Promise.resolve();
  return {
    statements,
    /** Holds the next statements until released. */
    hold() {
      gate = new Promise((r) => (release = r));
    },
    release: () => release(),
    db: {
      async query(_text: string, values: [string[], string[]]) {
        statements.push({ ids: values[0], cursors: values[1] });
        await gate;
        if (fail) throw new Error("connection terminated");
        // The first statement finds these rows locked by another transaction.
        return { rows: statements.length === 1 ? skipFirst.map((id) => ({ id })) : [] };
      },
    } as never,
  };
}

describe("CursorWriter", () => {
  it("writes what is asked in one turn as one statement, the furthest cursor per connection", async () => {
    const d = recordingDb();
    const w = new CursorWriter(d.db);
    await Promise.all([w.write("a", 5n), w.write("b", 7n), w.write("a", 9n), w.write("a", 6n)]);
    expect(d.statements).toEqual([{ ids: ["a", "b"], cursors: ["9", "7"] }]);
  });

  it("gathers the writes asked while a statement is in flight into the next one", async () => {
    const d = recordingDb();
    d.hold();
    const w = new CursorWriter(d.db);
    const first = w.write("a", 1n);
    await new Promise((r) => setImmediate(r));
    const later = [w.write("b", 2n), w.write("c", 3n), w.write("a", 4n)];
    await new Promise((r) => setImmediate(r));
    expect(d.statements).toHaveLength(1);
    d.release();
    await Promise.all([first, ...later]);
    expect(d.statements).toEqual([
      { ids: ["a"], cursors: ["1"] },
      { ids: ["b", "c", "a"], cursors: ["2", "3", "4"] },
    ]);
  });

  it("fails every caller of a failed statement, and goes on with the next writes", async () => {
    const d = recordingDb(true);
    const w = new CursorWriter(d.db);
    const results = await Promise.allSettled([w.write("a", 1n), w.write("b", 2n)]);
    expect(results.map((r) => r.status)).toEqual(["rejected", "rejected"]);
    await expect(w.write("a", 3n)).rejects.toThrow("connection terminated");
    expect(d.statements).toHaveLength(2);
  });

  it("writes a row another transaction held locked again a moment later, without holding up the others", async () => {
    const d = recordingDb(false, ["b"]);
    const w = new CursorWriter(d.db);
    let bWritten = false;
    const b = w.write("b", 2n).then(() => (bWritten = true));
    await w.write("a", 1n);
    expect(bWritten).toBe(false);
    await b;
    expect(d.statements).toEqual([
      { ids: ["b", "a"], cursors: ["2", "1"] },
      { ids: ["b"], cursors: ["2"] },
    ]);
  });
});
