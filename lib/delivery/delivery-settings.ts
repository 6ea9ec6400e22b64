import type { BatchLimits } from "./batcher";
import type { EventFilter } from "./event-filter";
import type { Compression, DeliveryFormat } from "./formats/wire-format";

/** How a connection's events are sent: format, batch bounds, compression, filter, catch-up limit. */
export type DeliverySettings = {
  format: DeliveryFormat;
  batch: BatchLimits;
  compression: Compression;
  eventFilter: EventFilter | null;
  /** The destination refuses events older than this; null → no limit but the 7-day rule. */
  maxEventAgeSeconds: number | null;
};

/** The seed's behaviour: one event per POST, uncompressed, every event type. */
export const DEFAULT_BATCH: BatchLimits = { maxEvents: 500, maxBytes: 1_000_000, maxWaitMs: 1_000 };
export const SEED_DELIVERY: DeliverySettings = { format: "EVENT", batch: DEFAULT_BATCH, compression: "NONE", eventFilter: null, maxEventAgeSeconds: null };
