import type { ReactNode } from "react";

type Column = string | { hidden: string } | { key: string; content: ReactNode };

/**
 * The header row of the console's data tables; a column given as `{ hidden }` is read by screen
 * readers only, `{ key, content }` holds a control (a select-all checkbox).
 */
export function TableHead({ columns, cellClassName }: { columns: Column[]; cellClassName?: (index: number) => string }) {
  return (
    <thead className="bg-slate-50 text-left text-xs font-semibold uppercase tracking-wide text-slate-500">
      <tr>
        {columns.map((c, i) => (
          <th key={typeof c === "string" ? c : "hidden" in c ? c.hidden : c.key} scope="col" className={`px-4 py-3 ${cellClassName?.(i) ?? ""}`}>
            {typeof c === "string" ? c : "hidden" in c ? <span className="sr-only">{c.hidden}</span> : c.content}
          </th>
        ))}
      </tr>
    </thead>
  );
}
