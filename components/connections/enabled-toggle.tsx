"use client";

import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import type { ActionResult } from "./types";

/** The "Connection Enabled" switch; the server decides, the page refreshes with the new state. */
export function EnabledToggle({
  id,
  name,
  enabled,
  action,
}: {
  id: string;
  name: string;
  enabled: boolean;
  action: (id: string, enabled: boolean) => Promise<ActionResult<{ enabled: boolean }>>;
}) {
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  const [optimistic, setOptimistic] = useState(enabled);
  const [error, setError] = useState<string | null>(null);
  const shown = pending ? optimistic : enabled;
  return (
    <div className="flex items-center gap-2">
      <button
        type="button"
        role="switch"
        aria-checked={shown}
        aria-label={`Connection enabled: ${name}`}
        disabled={pending}
        onClick={() => {
          const next = !enabled;
          setOptimistic(next);
          setError(null);
          startTransition(async () => {
            const result = await action(id, next);
            if (!result.ok) setError(result.message);
            router.refresh();
          });
        }}
        className={`relative inline-flex h-6 w-11 shrink-0 cursor-pointer rounded-full border-2 border-transparent transition-colors focus-visible:outline focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600 disabled:cursor-wait disabled:opacity-70 ${
          shown ? "bg-indigo-600" : "bg-slate-300"
        }`}
      >
        <span
          aria-hidden
          className={`pointer-events-none inline-block h-5 w-5 rounded-full bg-white shadow transition-transform ${shown ? "translate-x-5" : "translate-x-0"}`}
        />
      </button>
      {error && (
        <span role="alert" className="text-xs text-red-700">
          {error}
        </span>
      )}
    </div>
  );
}
