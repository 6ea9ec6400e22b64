-- CreateEnum
CREATE TYPE "FailureOutcome" AS ENUM ('RETRYING', 'DELIVERED_LATER', 'GIVEN_UP', 'REJECTED', 'REDELIVERED');

-- CreateTable
CREATE TABLE "delivery_failures" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "organization_id" UUID NOT NULL,
    "connection_id" UUID NOT NULL,
    "event_seq" BIGINT NOT NULL,
    "event_id" UUID NOT NULL,
    "event_type" TEXT NOT NULL,
    "attempt" INTEGER NOT NULL,
    "attempted_at" TIMESTAMPTZ(6) NOT NULL,
    "status_code" INTEGER,
    "error" TEXT,
    "response_excerpt" TEXT,
    "latency_ms" INTEGER NOT NULL,
    "outcome" "FailureOutcome" NOT NULL,
    CONSTRAINT "delivery_failures_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "connection_metrics" (
    "connection_id" UUID NOT NULL,
    "delivered" BIGINT NOT NULL DEFAULT 0,
    "failed_attempts" BIGINT NOT NULL DEFAULT 0,
    "retries" BIGINT NOT NULL DEFAULT 0,
    "given_up" BIGINT NOT NULL DEFAULT 0,
    "rejected" BIGINT NOT NULL DEFAULT 0,
    "latency_buckets" BIGINT[],
    "latency_sum_ms" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "connection_metrics_pkey" PRIMARY KEY ("connection_id")
);

-- CreateIndex
CREATE INDEX "delivery_failures_organization_id_attempted_at_id_idx" ON "delivery_failures"("organization_id", "attempted_at" DESC, "id" DESC);
CREATE INDEX "delivery_failures_connection_id_event_seq_idx" ON "delivery_failures"("connection_id", "event_seq");

-- AddForeignKey
ALTER TABLE "delivery_failures" ADD CONSTRAINT "delivery_failures_connection_id_fkey" FOREIGN KEY ("connection_id") REFERENCES "connections"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "connection_metrics" ADD CONSTRAINT "connection_metrics_connection_id_fkey" FOREIGN KEY ("connection_id") REFERENCES "connections"("id") ON DELETE CASCADE ON UPDATE CASCADE;
