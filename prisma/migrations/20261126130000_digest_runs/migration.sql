-- CreateTable
CREATE TABLE "digest_runs" (
    "organization_id" UUID NOT NULL,
    "day" DATE NOT NULL,
    "sent_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "digest_runs_pkey" PRIMARY KEY ("organization_id","day")
);
