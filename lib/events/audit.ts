import { actorOf, type Principal } from "../auth/principal";
import type { Tx } from "../db/client";
import { wireEvent } from "./envelope";
import { publishEvent } from "./publish";

/** Records one of Tributary's own audit events in the organization's log, inside the change's transaction. */
export function recordAudit(tx: Tx, principal: Principal, eventType: string, data: Record<string, unknown>, transactionId?: string) {
  return publishEvent(tx, principal.organizationId, wireEvent({ eventType, actor: actorOf(principal), data, transactionId }));
}
