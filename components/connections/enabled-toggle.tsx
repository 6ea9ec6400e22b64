"use client";

import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import { ConfirmDialog } from "../ui/confirm-dialog";
import type { ActionResult } from "./types";

/**
 * The "Connection Enabled" switch; the server decides, the page refreshes with the new state. With
 * `confirmEnable`, switching on asks first (re-enabling would skip events the destination no longer takes).
 */
export function EnabledToggle({
  id,
  name,
  enabled,
  action,
  confirmEnable,
}: {
  id: string;
  name: string;
  enabled: boolean;
  action: (id: string, enabled: boolean) => Promise<ActionResult<{ enabled: boolean }>>;
  confirmEnable?: { title: string; message: string; confirmLabel: string };
}) {
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  const [optimistic, setOptimistic] = useState(enabled);
  const [error, setError] = useState<string | null>(null);
  const [asking, setAsking] = useState(false);
  const shown = pending ? optimistic : enabled;
  const toggle = () => {
    const next = !enabled;
    setAsking(false);
    setOptimistic(next);
    setError(null);
    startTransition(async () => {
      const result = await action(id, next);
      if (!result.ok) setError(result.message);
      router.refresh();
    });
  };
  return (
    <div className="flex items-center gap-2">
      {confirmEnable && (
        <ConfirmDialog
          open={asking}
          title={confirmEnable.title}
          confirmLabel={confirmEnable.confirmLabel}
          tone="primary"
          onConfirm={toggle}
          onCancel={() => setAsking(false)}
        >
          {confirmEnable.message}
        </ConfirmDialog>
      )}
      <button
        type="button"
        role="switch"
        aria-checked={shown}
        aria-label={`Connection enabled: ${name}`}
        disabled={pending}
        onClick={() => (!enabled && confirmEnable ? setAsking(true) : toggle())}
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
