-- Per-minute delivery statistics of each connection, added to by the streamer and the redelivery
-- runner of every worker (additive upserts, about once a second): the health charts read these,
-- never delivery_failures or events.
CREATE TABLE "connection_stats" (
    "connection_id" UUID NOT NULL,
    "minute" TIMESTAMPTZ(6) NOT NULL,
    "organization_id" UUID NOT NULL,
    "delivered" INTEGER NOT NULL DEFAULT 0,
    "failed" INTEGER NOT NULL DEFAULT 0,
    "latency_buckets" INTEGER[],
    CONSTRAINT "connection_stats_pkey" PRIMARY KEY ("connection_id","minute")
);

-- Each connection's last success and failure and its current failing spell (merged across workers).
CREATE TABLE "connection_health" (
    "connection_id" UUID NOT NULL,
    "organization_id" UUID NOT NULL,
    "last_success_at" TIMESTAMPTZ(6),
    "last_failure_at" TIMESTAMPTZ(6),
    "failing_since" TIMESTAMPTZ(6),
    "failing_attempts" INTEGER NOT NULL DEFAULT 0,
    "warned_at" TIMESTAMPTZ(6),
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "connection_health_pkey" PRIMARY KEY ("connection_id")
);

CREATE INDEX "connection_stats_minute_idx" ON "connection_stats"("minute");

-- The attempts of one event (a grouped failure row expanded, `GET /failures?event_id=`).
CREATE INDEX "delivery_failures_organization_id_event_id_idx" ON "delivery_failures"("organization_id", "event_id");

ALTER TABLE "connection_stats" ADD CONSTRAINT "connection_stats_connection_id_fkey" FOREIGN KEY ("connection_id") REFERENCES "connections"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "connection_health" ADD CONSTRAINT "connection_health_connection_id_fkey" FOREIGN KEY ("connection_id") REFERENCES "connections"("id") ON DELETE CASCADE ON UPDATE CASCADE;
