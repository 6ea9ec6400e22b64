import type { StoredEvent } from "../events/event-store";
import { attempt, type AttemptVerdict } from "./attempt";
import { Bisection, rejectionIsPerEvent, splunkInvalidEventNumber } from "./bisect";
import type { PreparedTarget } from "./delivery-request";
import type { DeliverySettings } from "./delivery-settings";
import { requestBody } from "./formats/request-body";
import type { DeliveryHttpClient } from "./http-client";
import type { IntakeLimits } from "./intake-limits";

/** An event to send, with the number of this attempt and, once it failed, when it first did. */
export type Pending = {
  stored: StoredEvent;
  attempt: number;
  firstFailedAt: number | null;
  /** Its bytes inside a request of the connection's format (batch assembly). */
  size: number;
  /** When the streamer read it (the linger clock). */
  readAt: number;
};

export type Answered<T> = { items: T[]; verdict: AttemptVerdict; attemptedAt: number };

/** What became of a batch: every event in exactly one of these lists. */
export type BatchOutcome<T> = {
  delivered: T[];
  /** The status of the 2xx answer(s) that delivered them. */
  deliveredStatus: number | null;
  /** Isolated and refused: each list with the answer that refused it. */
  rejected: Answered<T>[];
  /** A retryable failure (network, timeout, 408, 429, 5xx): `items` were in the failed request, `rest` not yet sent or settled. */
  retry: (Answered<T> & { rest: T[] }) | null;
  /** 413 to a request of several events: send these again in smaller batches. */
  tooLarge: (Answered<T> & { rest: T[] }) | null;
  /** Not sent because the streamer is stopping (the next one sends them). */
  unsent: T[];
  /** Requests made. */
  requests: number;
};

export type BatchSenderOptions = {
  /** Called after every request with the number of events it carried (statistics and health tracking). */
  onAnswer?: (verdict: AttemptVerdict, attemptedAt: number, events: number) => void;
  /** Checked between the requests of a bisection. */
  stopping?: () => boolean;
  now?: () => number;
};

/**
 * Sends one batch of a connection's events through the one attempt (lib/delivery/attempt.ts), in the
 * connection's format and compression, and when the destination rejects it (a non-retryable 4xx
 * that could be about its events), bisects it (lib/delivery/bisect.ts) until the rejected events are
 * alone. Used by the stream and by redelivery alike; the caller keeps the books.
 */
export class BatchSender {
  constructor(
    private readonly http: DeliveryHttpClient,
    private readonly prepared: PreparedTarget,
    private readonly settings: Pick<DeliverySettings, "format" | "compression">,
    private readonly intake: IntakeLimits | null,
    private readonly options: BatchSenderOptions = {},
  ) {}

  async send<T extends { stored: StoredEvent }>(items: T[]): Promise<BatchOutcome<T>> {
    const out: BatchOutcome<T> = { delivered: [], deliveredStatus: null, rejected: [], retry: null, tooLarge: null, unsent: [], requests: 0 };
    const first = await this.request(items, out);
    if (first.verdict.outcome === "ok") {
      out.delivered.push(...items);
      return out;
    }
    if (first.verdict.outcome === "retry") {
      out.retry = { ...first, items, rest: [] };
      return out;
    }
    if (first.verdict.status === 413 && items.length > 1) {
      out.tooLarge = { ...first, items, rest: [] };
      return out;
    }
    if (items.length === 1 || !rejectionIsPerEvent(first.verdict.status)) {
      out.rejected.push({ ...first, items });
      return out;
    }
    return this.bisect(items, first, out);
  }

  private async bisect<T extends { stored: StoredEvent }>(items: T[], first: Omit<Answered<T>, "items">, out: BatchOutcome<T>): Promise<BatchOutcome<T>> {
    const named = (v: AttemptVerdict) => (this.settings.format === "SPLUNK_HEC" ? splunkInvalidEventNumber(v.excerpt) : null);
    const plan = new Bisection(items, named(first.verdict));
    out.delivered.push(...plan.first.delivered);
    if (plan.first.isolated.length > 0) out.rejected.push({ ...first, items: plan.first.isolated });
    for (let next = plan.next(); next; next = plan.next()) {
      if (this.options.stopping?.()) {
        out.unsent.push(...plan.remaining());
        return out;
      }
      const answer = await this.request(next, out);
      const { verdict } = answer;
      if (verdict.outcome === "ok") {
        out.delivered.push(...plan.record({ ok: true }).delivered);
      } else if (verdict.outcome === "reject" && !(verdict.status === 413 && next.length > 1)) {
        const step = plan.record({ ok: false, invalidIndex: named(verdict) });
        out.delivered.push(...step.delivered);
        if (step.isolated.length > 0) out.rejected.push({ ...answer, items: step.isolated });
      } else {
        // Everything not settled yet (this request's events included) goes back as one batch.
        const sent = new Set<T>(next);
        const rest = plan.remaining().filter((i) => !sent.has(i));
        if (verdict.outcome === "retry") out.retry = { ...answer, items: next, rest };
        else out.tooLarge = { ...answer, items: next, rest };
        return out;
      }
    }
    return out;
  }

  private async request<T extends { stored: StoredEvent }>(items: T[], out: BatchOutcome<T>): Promise<Omit<Answered<T>, "items">> {
    const now = this.options.now ?? Date.now;
    const body = await requestBody(this.settings.format, this.settings.compression, items.map((i) => i.stored));
    const attemptedAt = now();
    if (this.intake && items.length === 1) {
      const bytes = Buffer.byteLength(body.signed);
      if (bytes > this.intake.maxRequestBytes) return { verdict: tooLargeForIntake(bytes, this.intake), attemptedAt };
    }
    out.requests++;
    const verdict = await attempt(this.http, this.prepared, body, { at: new Date(attemptedAt) });
    if (verdict.outcome === "ok") out.deliveredStatus = verdict.status;
    this.options.onAnswer?.(verdict, attemptedAt, items.length);
    if (verdict.status === 413 && items.length === 1) {
      verdict.error = `${verdict.error ?? ""} This event alone is ${Buffer.byteLength(body.signed).toLocaleString("en-US")} bytes; the destination takes no request that large, so it cannot be delivered as it is.`.trim();
    }
    return { verdict, attemptedAt };
  }
}

/** A verdict for an event not sent because it alone is larger than the intake accepts. */
function tooLargeForIntake(bytes: number, intake: IntakeLimits): AttemptVerdict {
  return {
    outcome: "reject",
    status: null,
    error: `Not sent: this event alone is ${bytes.toLocaleString("en-US")} bytes, more than ${intake.name} accepts in one request (${intake.maxRequestBytes.toLocaleString("en-US")} bytes uncompressed).`,
    errorKind: null,
    excerpt: null,
    latencyMs: 0,
    retryAfterMs: null,
  };
}
