type Status = { enabled: boolean; disabled_at: string | null; disabled_reason: "MANUAL" | "AUTO" | null };

const fmt = (iso: string) => new Date(iso).toLocaleDateString(undefined, { year: "numeric", month: "short", day: "numeric" });

export function StatusBadge({ connection }: { connection: Status }) {
  if (connection.enabled) {
    return (
      <span className="inline-flex items-center gap-1.5 whitespace-nowrap rounded-full bg-emerald-50 px-2 py-0.5 text-xs font-medium text-emerald-800 ring-1 ring-inset ring-emerald-600/20">
        <span aria-hidden className="h-1.5 w-1.5 rounded-full bg-emerald-500" />
        Enabled
      </span>
    );
  }
  const since = connection.disabled_at ? ` since ${fmt(connection.disabled_at)}` : "";
  if (connection.disabled_reason === "AUTO") {
    return (
      <span className="inline-flex items-center gap-1.5 whitespace-nowrap rounded-full bg-red-50 px-2 py-0.5 text-xs font-medium text-red-800 ring-1 ring-inset ring-red-600/20">
        <span aria-hidden className="h-1.5 w-1.5 rounded-full bg-red-500" />
        Auto-disabled{since}
      </span>
    );
  }
  return (
    <span className="inline-flex items-center gap-1.5 whitespace-nowrap rounded-full bg-slate-100 px-2 py-0.5 text-xs font-medium text-slate-700 ring-1 ring-inset ring-slate-500/20">
      <span aria-hidden className="h-1.5 w-1.5 rounded-full bg-slate-400" />
      Disabled{since}
    </span>
  );
}
