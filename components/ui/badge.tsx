import type { ReactNode } from "react";

const tones = {
  indigo: "bg-indigo-50 text-indigo-800 ring-indigo-600/20",
  slate: "bg-slate-100 text-slate-700 ring-slate-500/20",
  amber: "bg-amber-50 text-amber-900 ring-amber-600/20",
  emerald: "bg-emerald-50 text-emerald-800 ring-emerald-600/20",
};

/** A small label for a status or a kind (a token's scope, a person's role). */
export function Badge({ tone = "slate", children }: { tone?: keyof typeof tones; children: ReactNode }) {
  return <span className={`inline-flex whitespace-nowrap rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset ${tones[tone]}`}>{children}</span>;
}
