-- `events` and `delivery_failures` become partitioned tables (README › Architecture › Partitions):
-- events by `seq` range (a streamer's read after its cursor touches the newest partitions only and
-- the primary key stays (organization_id, seq)), failed attempts by week of `attempted_at`.
-- Retention drops whole partitions. The tables as they were become the first partition of each,
-- so an existing installation keeps its rows; every write goes through the parent, as before.
-- The worker runs as a role that may not create or drop tables: it creates partitions ahead and
-- drops expired ones through the SECURITY DEFINER functions below, which do nothing else.

-- Bookkeeping of the event partitions: when each began to fill and was first seen full (the
-- maintenance job records it), for sizing the next ones and knowing when one is 30 days old.
CREATE TABLE "event_partitions" (
    "name" TEXT NOT NULL,
    "from_seq" BIGINT NOT NULL,
    "to_seq" BIGINT NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMPTZ(6),
    "filled_at" TIMESTAMPTZ(6),
    CONSTRAINT "event_partitions_pkey" PRIMARY KEY ("name")
);

-- events ------------------------------------------------------------------------------------------
ALTER TABLE "events" RENAME TO "events_legacy";
ALTER TABLE "events_legacy" RENAME CONSTRAINT "events_pkey" TO "events_legacy_pkey";
ALTER TABLE "events_legacy" ALTER COLUMN "seq" DROP DEFAULT;
-- A unique index on a partitioned table must contain the partition key: idempotent ingest looks
-- ids up under the organization's write lock instead (lib/events/event-store.ts).
DROP INDEX "events_organization_id_id_key";

CREATE TABLE "events" (
    "seq" BIGINT NOT NULL DEFAULT nextval('events_seq_seq'::regclass),
    "id" UUID NOT NULL,
    "organization_id" UUID NOT NULL,
    "transaction_id" UUID NOT NULL,
    "event_type" TEXT NOT NULL,
    "severity" "Severity" NOT NULL DEFAULT 'INFO',
    "timestamp" TIMESTAMPTZ(6) NOT NULL,
    "actor_email" TEXT,
    "actor_ip_address" TEXT,
    "actor_name" TEXT,
    "actor_user_id" TEXT,
    "actor_user_agent" TEXT,
    "data" JSON NOT NULL DEFAULT '{}',
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "events_pkey" PRIMARY KEY ("organization_id","seq")
) PARTITION BY RANGE ("seq");
ALTER SEQUENCE "events_seq_seq" OWNED BY "events"."seq";
CREATE INDEX "events_organization_id_id_idx" ON "events"("organization_id", "id");
-- The workers' fallback for a missed notification asks which organizations have events past a
-- sequence number: a BRIN index answers from the newest pages (seq grows with the heap).
CREATE INDEX "events_seq_idx" ON "events" USING BRIN ("seq");
-- No DEFAULT partition: with one, PostgreSQL cannot read the partitions in seq order and sorts a
-- streamer's whole backlog for each read of 500. The maintenance job keeps a partition ahead, and
-- a write that finds none creates it (lib/events/event-partitions.ts).

CREATE FUNCTION "tributary_add_events_partition"(p_from BIGINT, p_to BIGINT) RETURNS TEXT
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp SET lock_timeout = '5s' AS $$
DECLARE
    part TEXT := 'events_p' || p_from;
BEGIN
    IF p_from < 1 OR p_to <= p_from THEN
        RAISE EXCEPTION 'invalid event partition range [%, %)', p_from, p_to;
    END IF;
    -- Created apart and attached: ATTACH takes a lock on "events" that lets reads and writes go on,
    -- CREATE ... PARTITION OF one that waits for them and stops them.
    EXECUTE format('CREATE TABLE %I (LIKE events)', part);
    EXECUTE format('ALTER TABLE events ATTACH PARTITION %I FOR VALUES FROM (%s) TO (%s)', part, p_from, p_to);
    INSERT INTO event_partitions (name, from_seq, to_seq) VALUES (part, p_from, p_to);
    RETURN part;
END $$;

-- Dropping waits for the reads and writes in progress on "events" and holds the ones after it: at
-- most a second, then the caller tries again later.
CREATE FUNCTION "tributary_drop_events_partition"(p_name TEXT) RETURNS VOID
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp SET lock_timeout = '1s' AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM event_partitions WHERE name = p_name)
       OR NOT EXISTS (SELECT 1 FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
                      WHERE i.inhparent = 'events'::regclass AND c.relname = p_name) THEN
        RAISE EXCEPTION '% is not a range partition of events', p_name;
    END IF;
    EXECUTE format('DROP TABLE %I', p_name);
    DELETE FROM event_partitions WHERE name = p_name;
END $$;

DO $$
DECLARE
    upto BIGINT;
BEGIN
    SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END INTO upto FROM events_seq_seq;
    EXECUTE format('ALTER TABLE events ATTACH PARTITION events_legacy FOR VALUES FROM (MINVALUE) TO (%s)', upto + 1);
    INSERT INTO event_partitions (name, from_seq, to_seq, filled_at) VALUES ('events_legacy', 1, upto + 1, now());
    PERFORM tributary_add_events_partition(upto + 1, upto + 1 + 1000000);
    UPDATE event_partitions SET started_at = now() WHERE name = 'events_p' || (upto + 1);
END $$;

-- delivery_failures -------------------------------------------------------------------------------
ALTER TABLE "delivery_failures" RENAME TO "delivery_failures_legacy";
ALTER TABLE "delivery_failures_legacy" RENAME CONSTRAINT "delivery_failures_connection_id_fkey" TO "delivery_failures_legacy_connection_id_fkey";
ALTER INDEX "delivery_failures_organization_id_attempted_at_id_idx" RENAME TO "delivery_failures_legacy_organization_id_attempted_at_id_idx";
ALTER INDEX "delivery_failures_connection_id_event_seq_idx" RENAME TO "delivery_failures_legacy_connection_id_event_seq_idx";
-- An installation that applied 20261201110000_connection_health before this migration has one more index.
DO $$ BEGIN
    IF to_regclass('public.delivery_failures_organization_id_event_id_idx') IS NOT NULL THEN
        ALTER INDEX "delivery_failures_organization_id_event_id_idx" RENAME TO "delivery_failures_legacy_organization_id_event_id_idx";
    END IF;
END $$;
-- The primary key of a partitioned table contains its partition key.
ALTER TABLE "delivery_failures_legacy" DROP CONSTRAINT "delivery_failures_pkey";
ALTER TABLE "delivery_failures_legacy" ADD CONSTRAINT "delivery_failures_legacy_pkey" PRIMARY KEY ("id", "attempted_at");

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
    CONSTRAINT "delivery_failures_pkey" PRIMARY KEY ("id","attempted_at")
) PARTITION BY RANGE ("attempted_at");
CREATE INDEX "delivery_failures_organization_id_attempted_at_id_idx" ON "delivery_failures"("organization_id", "attempted_at" DESC, "id" DESC);
CREATE INDEX "delivery_failures_connection_id_event_seq_idx" ON "delivery_failures"("connection_id", "event_seq");
DO $$ BEGIN
    IF to_regclass('public.delivery_failures_legacy_organization_id_event_id_idx') IS NOT NULL THEN
        CREATE INDEX "delivery_failures_organization_id_event_id_idx" ON "delivery_failures"("organization_id", "event_id");
    END IF;
END $$;
ALTER TABLE "delivery_failures" ADD CONSTRAINT "delivery_failures_connection_id_fkey" FOREIGN KEY ("connection_id") REFERENCES "connections"("id") ON DELETE CASCADE ON UPDATE CASCADE;
-- No DEFAULT partition either (the failed-deliveries list reads partitions in time order); an
-- attempt is recorded at the worker's clock, and partitions exist two weeks ahead.

CREATE FUNCTION "tributary_add_failures_partition"(p_from TIMESTAMPTZ, p_to TIMESTAMPTZ) RETURNS TEXT
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp SET lock_timeout = '5s' AS $$
DECLARE
    part TEXT := 'delivery_failures_' || to_char(p_from AT TIME ZONE 'UTC', 'YYYYMMDD');
BEGIN
    IF p_to <= p_from THEN
        RAISE EXCEPTION 'invalid failure partition range [%, %)', p_from, p_to;
    END IF;
    EXECUTE format('CREATE TABLE %I (LIKE delivery_failures)', part);
    EXECUTE format('ALTER TABLE delivery_failures ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)', part, p_from, p_to);
    RETURN part;
END $$;

CREATE FUNCTION "tributary_drop_failures_partition"(p_name TEXT) RETURNS VOID
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp SET lock_timeout = '1s' AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
                   WHERE i.inhparent = 'delivery_failures'::regclass AND c.relname = p_name) THEN
        RAISE EXCEPTION '% is not a range partition of delivery_failures', p_name;
    END IF;
    EXECUTE format('DROP TABLE %I', p_name);
END $$;

DO $$
DECLARE
    -- Weeks start on Monday, 00:00 UTC; the table as it was takes everything before next week.
    -- (It is dropped whole once next week is past the 30 days.)
    next_week TIMESTAMPTZ := (date_trunc('week', now() AT TIME ZONE 'UTC') + interval '7 days') AT TIME ZONE 'UTC';
BEGIN
    EXECUTE format('ALTER TABLE delivery_failures ATTACH PARTITION delivery_failures_legacy FOR VALUES FROM (MINVALUE) TO (%L)', next_week);
    PERFORM tributary_add_failures_partition(next_week, next_week + interval '7 days');
    PERFORM tributary_add_failures_partition(next_week + interval '7 days', next_week + interval '14 days');
END $$;

-- Only the application's role runs them (npm start grants it; see lib/db/app-role.ts).
REVOKE EXECUTE ON FUNCTION "tributary_add_events_partition"(BIGINT, BIGINT), "tributary_drop_events_partition"(TEXT),
    "tributary_add_failures_partition"(TIMESTAMPTZ, TIMESTAMPTZ), "tributary_drop_failures_partition"(TEXT) FROM PUBLIC;

-- Workers pick up changed connections by updated_at when a notification was missed.
CREATE INDEX "connections_updated_at_idx" ON "connections"("updated_at");
