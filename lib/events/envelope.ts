import crypto from "node:crypto";
import { z } from "zod";

export const SEVERITIES = ["INFO", "WARNING", "ALERT"] as const;
export type Severity = (typeof SEVERITIES)[number];

/** One event as a receiver sees it; keys in this order are the wire contract. */
export type WireEvent = {
  id: string;
  transaction_id: string;
  event_type: string;
  severity: Severity;
  timestamp: string;
  actor_email: string | null;
  actor_ip_address: string | null;
  actor_name: string | null;
  actor_user_id: string | null;
  actor_user_agent: string | null;
  data: Record<string, unknown>;
};

export type Actor = {
  email: string | null;
  name: string | null;
  userId: string | null;
  ipAddress: string | null;
  userAgent: string | null;
};

/** Builds an event with the keys in wire order, so `JSON.stringify` gives the signed bytes. */
export function wireEvent(input: {
  id?: string;
  transactionId?: string;
  eventType: string;
  severity?: Severity;
  timestamp?: Date | string;
  actor?: Partial<Actor> | null;
  data?: Record<string, unknown>;
}): WireEvent {
  const ts = input.timestamp ?? new Date();
  return {
    id: input.id ?? crypto.randomUUID(),
    transaction_id: input.transactionId ?? crypto.randomUUID(),
    event_type: input.eventType,
    severity: input.severity ?? "INFO",
    timestamp: typeof ts === "string" ? ts : ts.toISOString(),
    actor_email: input.actor?.email ?? null,
    actor_ip_address: input.actor?.ipAddress ?? null,
    actor_name: input.actor?.name ?? null,
    actor_user_id: input.actor?.userId ?? null,
    actor_user_agent: input.actor?.userAgent ?? null,
    data: input.data ?? {},
  };
}

export const eventTypeSchema = z
  .string()
  .min(1, "event_type is required")
  .max(128, "event_type is at most 128 characters")
  .regex(/^[A-Z0-9_]+$/, "event_type must be UPPER_SNAKE_CASE ([A-Z0-9_]+)");
