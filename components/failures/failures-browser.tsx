"use client";

import { useInfiniteQuery } from "@tanstack/react-query";
import { usePathname } from "next/navigation";
import { useState } from "react";
import { type ActionResult, unwrap } from "@/lib/api/action-result";
import type { FailureGroupDto } from "@/lib/failures/list-failures";
import type { RedeliveryDto, RedeliveryWithProblems } from "@/lib/failures/redelivery";
import { Alert } from "../ui/alert";
import { Button } from "../ui/button";
import { type AttemptsAction, type DetailAction, FailureDetailPanel } from "./failure-detail";
import { FailureFilters, type Filters, filterCriteria, RANGES } from "./failure-filters";
import { FailuresTable } from "./failures-table";
import { RedeliverControls } from "./redeliver-controls";
import { RedeliveriesPanel } from "./redeliveries-panel";
import { type RedeliverAction, useRedeliver } from "./use-redeliver";

type Page = { data: FailureGroupDto[]; next_cursor: string | null };

/** The failed-deliveries page: filters kept in the URL, the list grouped by event (paged, refreshed while open), every attempt and redelivery. */
export function FailuresBrowser({
  connections,
  initialFilters,
  listAction,
  attemptsAction,
  detailAction,
  redeliverAction,
  listRedeliveriesAction,
  cancelRedeliveryAction,
}: {
  connections: { id: string; name: string }[];
  initialFilters: Filters;
  listAction: (params: Record<string, string | undefined>) => Promise<ActionResult<Page>>;
  attemptsAction: AttemptsAction;
  detailAction: DetailAction;
  redeliverAction: RedeliverAction;
  listRedeliveriesAction: () => Promise<ActionResult<{ data: RedeliveryWithProblems[] }>>;
  cancelRedeliveryAction: (id: string) => Promise<ActionResult<{ redelivery: RedeliveryDto }>>;
}) {
  const pathname = usePathname();
  const [filters, setFilters] = useState<Filters>({ ...initialFilters, range: RANGES[initialFilters.range] ? initialFilters.range : "30d" });
  const [open, setOpen] = useState<string | null>(null);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const { notice, redeliver, busy } = useRedeliver(redeliverAction, () => setSelected(new Set()));

  const update = (next: Partial<Filters>) => {
    const merged = { ...filters, ...next };
    setFilters(merged);
    setOpen(null);
    setSelected(new Set());
    const qs = new URLSearchParams(Object.entries(merged).filter(([k, v]) => v && !(k === "range" && v === "30d")));
    // The history API updates the address at once (Next.js keeps its router in step) without a
    // server round trip: the list is fetched by the query below, and a reload sees the new filters.
    window.history.replaceState(null, "", qs.size ? `${pathname}?${qs}` : pathname);
  };

  const query = useInfiniteQuery({
    queryKey: ["failures", filters],
    initialPageParam: undefined as string | undefined,
    queryFn: async ({ pageParam }) => unwrap(await listAction({ ...filterCriteria(filters), cursor: pageParam })),
    getNextPageParam: (last) => last.next_cursor ?? undefined,
    // Keeps the list fresh while the page is open.
    refetchInterval: 15_000,
  });
  const rows = query.data?.pages.flatMap((p) => p.data) ?? [];

  return (
    <div className="space-y-4">
      <FailureFilters filters={filters} connections={connections} onChange={update} />

      <RedeliveriesPanel listAction={listRedeliveriesAction} cancelAction={cancelRedeliveryAction} connections={connections} />

      {notice && (
        <Alert tone={notice.tone} title={notice.tone === "error" ? "Could not start the redelivery" : undefined}>
          {notice.text}
        </Alert>
      )}

      <RedeliverControls
        show={rows.length > 0}
        selectedCount={selected.size}
        filters={filters}
        connectionName={connections.find((c) => c.id === filters.connection_id)?.name}
        busy={busy}
        onRedeliverSelected={() => void redeliver({ ids: [...selected] }, "selected")}
        onClearSelection={() => setSelected(new Set())}
        onRedeliverAll={() => redeliver(filterCriteria(filters), "all")}
      />

      {query.isError && <Alert tone="error" title="Could not load failed deliveries">{query.error.message}</Alert>}
      {query.isPending ? (
        <p role="status" className="rounded-xl bg-white p-6 text-sm text-slate-600 ring-1 ring-slate-200">
          Loading failed deliveries…
        </p>
      ) : rows.length === 0 && !query.isError ? (
        <div className="rounded-xl border border-dashed border-slate-300 bg-white px-6 py-10 text-center text-sm text-slate-600">
          No failed deliveries match these filters. Deliveries that failed and were retried appear here for 30 days.
        </div>
      ) : (
        <FailuresTable
          rows={rows}
          selected={selected}
          onSelectedChange={setSelected}
          open={open}
          onOpenChange={setOpen}
          renderDetail={(g) => (
            <FailureDetailPanel
              key={g.id}
              group={g}
              action={detailAction}
              attemptsAction={attemptsAction}
              redelivering={busy(g.id)}
              onRedeliver={() => void redeliver({ ids: [g.id] }, g.id)}
              onClose={() => setOpen(null)}
            />
          )}
        />
      )}
      {query.hasNextPage && (
        <Button variant="secondary" busy={query.isFetchingNextPage} onClick={() => void query.fetchNextPage()}>
          Load more
        </Button>
      )}
    </div>
  );
}
