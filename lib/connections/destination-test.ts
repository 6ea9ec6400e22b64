import { z } from "zod";
import { buildDeliveryRequest, type DeliveryTarget } from "../delivery/delivery-request";
import type { DeliveryHttpClient, SendResult } from "../delivery/http-client";
import { type Actor, wireEvent, type WireEvent } from "../events/envelope";
import { EVENT_TYPES, TEST_MESSAGE } from "../events/event-types";
import { redactSecrets } from "../crypto/redact-secrets";
import { describeResult } from "../delivery/describe-result";

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

export function targetSecrets(target: DeliveryTarget): string[] {
  if (target.auth.type === "API_KEY") return target.auth.keys.map((k) => k.value);
  if (target.auth.type === "HMAC") return [...target.auth.secrets];
  return [];
}

/** Sends the seed's test message through the same request building and HTTP client as streaming. */
export async function sendTestEvent(http: DeliveryHttpClient, target: DeliveryTarget, event: WireEvent): Promise<TestOutcome> {
  const body = JSON.stringify(event);
  const { url, headers } = buildDeliveryRequest(target, body);
  const result = await http.post(url, headers, body);
  const secrets = targetSecrets(target);
  return {
    ok: result.ok,
    status: result.status,
    latency_ms: result.latencyMs,
    error: redactSecrets(describeResult(result), secrets),
    // Redact before shortening: cutting first could leave the start of a secret that no longer matches whole.
    response_excerpt: redactSecrets(result.responseExcerpt, secrets)?.slice(0, 500) ?? null,
  };
}
