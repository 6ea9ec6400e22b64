"use client";

import { useQuery } from "@tanstack/react-query";
import { createContext, type ReactNode, useContext } from "react";
import { type ActionResult, unwrap } from "@/lib/api/action-result";
import type { ConnectionHealthDto } from "@/lib/health/connection-health";
import { HealthBadge } from "./health-badge";
import { HealthFacts, HealthLine } from "./health-summary";

export type HealthAction = () => Promise<ActionResult<{ health: Record<string, ConnectionHealthDto> }>>;

const Health = createContext<Record<string, ConnectionHealthDto>>({});

/**
 * Keeps every connection's health on the page fresh (one request every 5 s while the page is open).
 * `renderedAt` keys the query to the server render, so a refreshed page starts from its own data.
 */
export function LiveHealthProvider({
  initial,
  renderedAt,
  action,
  children,
}: {
  initial: Record<string, ConnectionHealthDto>;
  renderedAt: number;
  action: HealthAction;
  children: ReactNode;
}) {
  const q = useQuery({
    queryKey: ["connection-health", renderedAt],
    queryFn: async () => unwrap(await action()).health,
    initialData: initial,
    initialDataUpdatedAt: renderedAt,
    refetchInterval: 5_000,
    staleTime: 0,
  });
  return <Health.Provider value={q.data}>{children}</Health.Provider>;
}

function useHealth(id: string, fallback: ConnectionHealthDto) {
  return useContext(Health)[id] ?? fallback;
}

export function LiveHealthBadge({ id, initial }: { id: string; initial: ConnectionHealthDto }) {
  return <HealthBadge health={useHealth(id, initial)} />;
}

export function LiveHealthLine({ id, initial }: { id: string; initial: ConnectionHealthDto }) {
  return <HealthLine health={useHealth(id, initial)} />;
}

export function LiveHealthFacts({ id, initial }: { id: string; initial: ConnectionHealthDto }) {
  return <HealthFacts health={useHealth(id, initial)} />;
}
