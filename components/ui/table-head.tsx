/** The header row of the console's data tables; a column given as `{ hidden }` is read by screen readers only. */
export function TableHead({ columns }: { columns: (string | { hidden: string })[] }) {
  return (
    <thead className="bg-slate-50 text-left text-xs font-semibold uppercase tracking-wide text-slate-500">
      <tr>
        {columns.map((c) => (
          <th key={typeof c === "string" ? c : c.hidden} scope="col" className="px-4 py-3">
            {typeof c === "string" ? c : <span className="sr-only">{c.hidden}</span>}
          </th>
        ))}
      </tr>
    </thead>
  );
}
