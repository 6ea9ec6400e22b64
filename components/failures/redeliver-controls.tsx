"use client";

import { useState } from "react";
import { Button } from "../ui/button";
import { ConfirmDialog } from "../ui/confirm-dialog";
import { type Filters, RANGES } from "./failure-filters";

/** "Redeliver selected" and, after a confirmation that spells out the filter, "Redeliver all matching…". */
export function RedeliverControls({
  show,
  selectedCount,
  filters,
  connectionName,
  busy,
  onRedeliverSelected,
  onClearSelection,
  onRedeliverAll,
}: {
  show: boolean;
  selectedCount: number;
  filters: Filters;
  connectionName: string | undefined;
  busy: (target: "selected" | "all") => boolean;
  onRedeliverSelected: () => void;
  onClearSelection: () => void;
  onRedeliverAll: () => Promise<void>;
}) {
  const [confirmAll, setConfirmAll] = useState(false);
  return (
    <>
      {show && (
        <div className="flex flex-wrap items-center justify-between gap-3" role="group" aria-label="Redeliver">
          <div className="flex flex-wrap items-center gap-3">
            <span className="text-sm text-slate-700" aria-live="polite">
              {selectedCount === 0 ? "Select failures to redeliver them." : `${selectedCount} selected`}
            </span>
            <Button variant="secondary" disabled={selectedCount === 0} busy={busy("selected")} onClick={onRedeliverSelected}>
              Redeliver selected
            </Button>
            {selectedCount > 0 && (
              <Button variant="ghost" onClick={onClearSelection}>
                Clear selection
              </Button>
            )}
          </div>
          <Button variant="secondary" busy={busy("all")} onClick={() => setConfirmAll(true)}>
            Redeliver all matching…
          </Button>
        </div>
      )}
      <ConfirmDialog
        open={confirmAll}
        title="Redeliver everything that matches?"
        confirmLabel="Redeliver"
        tone="primary"
        busy={busy("all")}
        onCancel={() => setConfirmAll(false)}
        onConfirm={async () => {
          await onRedeliverAll();
          setConfirmAll(false);
        }}
      >
        <p>
          Every event that is still undelivered (given up or rejected) among the failures of <strong>{connectionName ?? "all connections"}</strong> in
          the <strong>{RANGES[filters.range]!.label.toLowerCase()}</strong>
          {filters.status_class ? (
            <>
              {" "}
              with <strong>{filters.status_class === "network" ? "timeouts and network errors" : `${filters.status_class} answers`}</strong>
            </>
          ) : null}
          {filters.event_type ? (
            <>
              {" "}
              of type <strong>{filters.event_type}</strong>
            </>
          ) : null}{" "}
          is sent once more, signed, in the background.
        </p>
        <p className="mt-2">Events delivered later or already redelivered are not sent again. Disabled connections are skipped.</p>
      </ConfirmDialog>
    </>
  );
}
