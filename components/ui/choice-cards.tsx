import type { UseFormRegisterReturn } from "react-hook-form";

export type Choice<T extends string> = { value: T; label: string; help: string };

/** A set of radio buttons shown as cards with a line of help each; works with react-hook-form's `register`. */
export function ChoiceCards<T extends string>({
  legend,
  choices,
  selected,
  registration,
  error,
  columns = 2,
}: {
  legend: string;
  choices: readonly Choice<T>[];
  selected: string | undefined;
  registration: UseFormRegisterReturn;
  error?: string;
  columns?: 2 | 3;
}) {
  return (
    <fieldset>
      <legend className="block text-sm font-medium text-slate-900">{legend}</legend>
      <div className={`mt-1 grid gap-2 ${columns === 3 ? "sm:grid-cols-3" : "sm:grid-cols-2"}`}>
        {choices.map((c) => (
          <label
            key={c.value}
            className={`flex cursor-pointer gap-2 rounded-lg p-3 ring-1 focus-within:ring-2 focus-within:ring-indigo-600 ${
              selected === c.value ? "bg-indigo-50 ring-indigo-500" : "bg-white ring-slate-200"
            }`}
          >
            <input type="radio" value={c.value} className="mt-0.5" {...registration} />
            <span>
              <span className="block text-sm font-semibold text-slate-900">{c.label}</span>
              <span className="block text-xs text-slate-600">{c.help}</span>
            </span>
          </label>
        ))}
      </div>
      {error && (
        <p role="alert" className="mt-1 text-sm text-red-600">
          {error}
        </p>
      )}
    </fieldset>
  );
}
