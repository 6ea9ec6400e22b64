-- AlterTable
ALTER TABLE "connection_metrics" ADD COLUMN     "redelivered" BIGINT NOT NULL DEFAULT 0,
ADD COLUMN     "redelivery_failed" BIGINT NOT NULL DEFAULT 0;
