import { z } from "zod";
import { attempt } from "../delivery/attempt";
import { type DeliveryTarget, prepareTarget } from "../delivery/delivery-request";
import { testEventBody } from "../delivery/formats/request-body";
import type { DeliveryFormat } from "../delivery/formats/wire-format";
import type { DeliveryHttpClient } from "../delivery/http-client";
import { type Actor, wireEvent, type WireEvent } from "../events/envelope";
import { EVENT_TYPES, TEST_MESSAGE } from "../events/event-types";

export const testOutcomeSchema = z.object({
  ok: z.boolean(),
  status: z.int().nullable(),
  latency_ms: z.int(),
  error: z.string().nullable(),
  response_excerpt: z.string().nullable(),
});
export type TestOutcome = z.infer<typeof testOutcomeSchema>;

export function testEvent(actor: Actor): WireEvent {
  return wireEvent({
    eventType: EVENT_TYPES.connectionTested,
    actor,
    data: { connection_type: "WEBHOOK", message: TEST_MESSAGE },
  });
}

/**
 * Sends the seed's test message through the same attempt as streaming, in the connection's format
 * (a JSON_ARRAY connection gets `[test]`) and uncompressed; the answer's excerpt is read even on success.
 */
export async function sendTestEvent(http: DeliveryHttpClient, target: DeliveryTarget, event: WireEvent, format: DeliveryFormat = "EVENT"): Promise<TestOutcome> {
  const body = testEventBody(format, { body: JSON.stringify(event), event });
  const verdict = await attempt(http, prepareTarget(target), body, { readSuccessBody: true });
  return {
    ok: verdict.outcome === "ok",
    status: verdict.status,
    latency_ms: verdict.latencyMs,
    error: verdict.error,
    response_excerpt: verdict.excerpt,
  };
}
