-- Delivery formats, batching, compression, event filters and the catch-up limit per connection.
-- CreateEnum
CREATE TYPE "DeliveryFormat" AS ENUM ('EVENT', 'JSON_ARRAY', 'NDJSON', 'SPLUNK_HEC');
CREATE TYPE "Compression" AS ENUM ('NONE', 'GZIP');

-- AlterTable
ALTER TABLE "connections" ADD COLUMN     "format" "DeliveryFormat" NOT NULL DEFAULT 'EVENT',
ADD COLUMN     "batch_max_events" INTEGER NOT NULL DEFAULT 500,
ADD COLUMN     "batch_max_bytes" INTEGER NOT NULL DEFAULT 1000000,
ADD COLUMN     "batch_max_wait_ms" INTEGER NOT NULL DEFAULT 1000,
ADD COLUMN     "compression" "Compression" NOT NULL DEFAULT 'NONE',
ADD COLUMN     "event_filter" JSONB,
ADD COLUMN     "max_event_age_seconds" INTEGER,
ADD COLUMN     "catch_up_skip" JSONB;

-- The event types an organization published recently (for the event-filter picker): one row per
-- type, its last_seen_at refreshed at most hourly by the writers, so the picker never scans events.
-- CreateTable
CREATE TABLE "event_types" (
    "organization_id" UUID NOT NULL,
    "event_type" TEXT NOT NULL,
    "last_seen_at" TIMESTAMPTZ(6) NOT NULL,
    CONSTRAINT "event_types_pkey" PRIMARY KEY ("organization_id", "event_type")
);
