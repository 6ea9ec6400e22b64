// The pg-boss queue of redeliveries: the web app sends to it, the worker works it.
export const REDELIVERY_QUEUE = "redelivery";
export type RedeliveryJob = { redeliveryId: string };
