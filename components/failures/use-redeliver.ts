"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { type ActionResult, unwrapCall } from "@/lib/api/action-result";
import type { RedeliveryDto } from "@/lib/failures/redelivery";
import { REDELIVERIES_KEY } from "./redeliveries-panel";

export type RedeliverAction = (input: unknown) => Promise<ActionResult<{ redelivery: RedeliveryDto }>>;
export type Notice = { tone: "success" | "error"; text: string };

/** What the admin is told once a redelivery was requested. */
export function startedNotice({ total, skipped }: Pick<RedeliveryDto, "total" | "skipped">): string {
  const sending = total - skipped;
  return `Redelivery started: ${sending} ${sending === 1 ? "event" : "events"} to send${skipped > 0 ? `, ${skipped} skipped` : ""}. Progress is shown under Redeliveries.`;
}

/**
 * Requesting a redelivery, as a mutation. `target` names the button that asked (a failure's id,
 * "selected" or "all") so only that one shows it is busy; the outcome stays shown until the next request.
 */
export function useRedeliver(action: RedeliverAction, onStarted: () => void) {
  const queryClient = useQueryClient();
  const [notice, setNotice] = useState<Notice | null>(null);
  const mutation = useMutation({
    mutationFn: async ({ input }: { input: unknown; target: string }) => (await unwrapCall(() => action(input))).redelivery,
    onSuccess: (redelivery) => {
      setNotice({ tone: "success", text: startedNotice(redelivery) });
      onStarted();
      void queryClient.invalidateQueries({ queryKey: REDELIVERIES_KEY });
    },
    onError: (err) => setNotice({ tone: "error", text: err.message }),
  });
  return {
    notice,
    /** Resolves when the request settled, whatever its outcome (shown in `notice`). */
    redeliver: (input: unknown, target: string) => mutation.mutateAsync({ input, target }).then(
      () => undefined,
      () => undefined,
    ),
    busy: (target: string) => mutation.isPending && mutation.variables?.target === target,
  };
}
