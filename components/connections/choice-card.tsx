import type { ReactNode } from "react";

/** A radio choice as a card: the input (passed as children), a label and a sentence of help. */
export function ChoiceCard({ checked, label, help, children }: { checked: boolean; label: string; help: string; children: ReactNode }) {
  return (
    <label
      className={`flex cursor-pointer gap-2 rounded-lg p-3 ring-1 focus-within:ring-2 focus-within:ring-indigo-600 ${
        checked ? "bg-indigo-50 ring-indigo-500" : "bg-white ring-slate-200 hover:ring-slate-300"
      }`}
    >
      {children}
      <span>
        <span className="block text-sm font-semibold text-slate-900">{label}</span>
        <span className="block text-xs text-slate-600">{help}</span>
      </span>
    </label>
  );
}
