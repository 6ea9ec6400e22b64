-- CreateEnum
CREATE TYPE "RedeliveryStatus" AS ENUM ('QUEUED', 'RUNNING', 'COMPLETED', 'CANCELLED');

-- CreateEnum
CREATE TYPE "RedeliveryItemState" AS ENUM ('PENDING', 'SUCCEEDED', 'FAILED', 'SKIPPED');

-- CreateTable
CREATE TABLE "redeliveries" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "organization_id" UUID NOT NULL,
    "requested_by_id" UUID,
    "criteria" JSONB NOT NULL,
    "status" "RedeliveryStatus" NOT NULL DEFAULT 'QUEUED',
    "total" INTEGER NOT NULL,
    "succeeded" INTEGER NOT NULL DEFAULT 0,
    "failed" INTEGER NOT NULL DEFAULT 0,
    "skipped" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMPTZ(6),
    "finished_at" TIMESTAMPTZ(6),
    CONSTRAINT "redeliveries_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "redelivery_items" (
    "redelivery_id" UUID NOT NULL,
    "connection_id" UUID NOT NULL,
    "event_seq" BIGINT NOT NULL,
    "failure_id" UUID,
    "state" "RedeliveryItemState" NOT NULL DEFAULT 'PENDING',
    "status_code" INTEGER,
    "error" TEXT,
    "attempted_at" TIMESTAMPTZ(6),
    CONSTRAINT "redelivery_items_pkey" PRIMARY KEY ("redelivery_id","connection_id","event_seq")
);

-- CreateIndex
CREATE INDEX "redeliveries_organization_id_created_at_idx" ON "redeliveries"("organization_id", "created_at" DESC);

-- CreateIndex
CREATE INDEX "redelivery_items_connection_id_event_seq_idx" ON "redelivery_items"("connection_id", "event_seq");

-- AddForeignKey
ALTER TABLE "redeliveries" ADD CONSTRAINT "redeliveries_organization_id_fkey" FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "redeliveries" ADD CONSTRAINT "redeliveries_requested_by_id_fkey" FOREIGN KEY ("requested_by_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "redelivery_items" ADD CONSTRAINT "redelivery_items_redelivery_id_fkey" FOREIGN KEY ("redelivery_id") REFERENCES "redeliveries"("id") ON DELETE CASCADE ON UPDATE CASCADE;
