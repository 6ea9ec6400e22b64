import crypto from "node:crypto";
import { z } from "zod";

export const SEVERITIES = ["INFO", "WARNING", "ALERT"] as const;
export type Severity = (typeof SEVERITIES)[number];

export const eventTypeSchema = z
  .string()
  .min(1, "event_type is required")
  .max(128, "event_type is at most 128 characters")
  .regex(/^[A-Z0-9_]+$/, "event_type must be UPPER_SNAKE_CASE ([A-Z0-9_]+)");

const actorField = (description: string) => z.string().nullable().meta({ description });

/** One event as a receiver sees it; keys in this order are the wire contract. */
export const wireEventSchema = z.object({
  id: z.uuid().meta({ description: "The unique identifier for this event" }),
  transaction_id: z.uuid().meta({ description: "An identifier to group related events" }),
  event_type: eventTypeSchema.meta({ description: "The event that took place" }),
  severity: z.enum(SEVERITIES),
  timestamp: z.iso.datetime().meta({ description: "The time the event happened (RFC 3339, UTC)" }),
  actor_email: actorField("Email of the user that triggered the event"),
  actor_ip_address: actorField("IP address of the user that triggered the event"),
  actor_name: actorField("The name of the user that triggered the event"),
  actor_user_id: actorField("The identifier of the user that triggered the event"),
  actor_user_agent: actorField("The agent used by the user that triggered the event"),
  data: z.record(z.string(), z.unknown()).meta({ description: "Fields that are bespoke to the event_type" }),
});
export type WireEvent = z.infer<typeof wireEventSchema>;

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

