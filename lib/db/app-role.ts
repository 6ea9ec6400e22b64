import type pg from "pg";
import PgBoss from "pg-boss";

// On the embedded PostgreSQL the web app and the worker connect as this role, not as the
// database's owner (a superuser, which could read files, run programs and drop anything). The
// owner applies the migrations; the app role reads and writes the tables, and owns only the
// `pgboss` schema, because pg-boss creates its own tables and a partition per queue at run time.
// With DATABASE_URL the operator's URL is used as is.

export const APP_ROLE = "tributary_app";
export const PGBOSS_SCHEMA = "pgboss";

type Queryable = Pick<pg.Client, "query" | "escapeIdentifier" | "escapeLiteral">;

/** Creates the login role, or brings an existing one back to these attributes and this password. */
export async function ensureAppRole(owner: Queryable, role: string, password: string): Promise<void> {
  const exists = await owner.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [role]);
  const attributes = "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS";
  await owner.query(`${exists.rowCount ? "ALTER" : "CREATE"} ROLE ${owner.escapeIdentifier(role)} WITH ${attributes} PASSWORD ${owner.escapeLiteral(password)}`);
}

/**
 * Grants `role` what the application needs in the connected database (run as the owner after each
 * migration; idempotent): data, not schema, in `public` (partitions are added and dropped through
 * the migrations' SECURITY DEFINER functions, which it may run); read-only migration history; the
 * `pgboss` schema as its own. The owner installs pg-boss's schema when it is missing (creating a
 * schema needs CREATE on the database, which the role does not get), then hands it over, together
 * with whatever an older release created there as the owner.
 */
export async function grantAppAccess(owner: Queryable, role: string = APP_ROLE): Promise<void> {
  const installed = await owner.query<{ ok: boolean }>(`SELECT to_regclass('${PGBOSS_SCHEMA}.version') IS NOT NULL AS ok`);
  if (!installed.rows[0]!.ok) await owner.query(PgBoss.getConstructionPlans(PGBOSS_SCHEMA));
  const r = owner.escapeIdentifier(role);
  await owner.query(`
    GRANT USAGE ON SCHEMA public TO ${r};
    GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${r};
    GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO ${r};
    GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO ${r};
    ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ${r};
    ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO ${r};
    DO $$ BEGIN
      IF to_regclass('public._prisma_migrations') IS NOT NULL THEN
        EXECUTE format('REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON public._prisma_migrations FROM %I', ${owner.escapeLiteral(role)});
      END IF;
    END $$;
    DO $$
    DECLARE
      target regrole := ${owner.escapeLiteral(role)}::regrole;
      o record;
    BEGIN
      IF (SELECT nspowner FROM pg_namespace WHERE nspname = '${PGBOSS_SCHEMA}') <> target THEN
        EXECUTE format('ALTER SCHEMA ${PGBOSS_SCHEMA} OWNER TO %I', target::text);
      END IF;
      -- Tables first: a sequence owned by a table column follows its table.
      FOR o IN SELECT c.oid::regclass AS name, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
               WHERE n.nspname = '${PGBOSS_SCHEMA}' AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND c.relowner <> target AND NOT c.relispartition LOOP
        EXECUTE format('ALTER %s %s OWNER TO %I', CASE o.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END, o.name, target::text);
      END LOOP;
      FOR o IN SELECT c.oid::regclass AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
               WHERE n.nspname = '${PGBOSS_SCHEMA}' AND c.relkind = 'r' AND c.relispartition AND c.relowner <> target LOOP
        EXECUTE format('ALTER TABLE %s OWNER TO %I', o.name, target::text);
      END LOOP;
      FOR o IN SELECT c.oid::regclass AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
               WHERE n.nspname = '${PGBOSS_SCHEMA}' AND c.relkind = 'S' AND c.relowner <> target
                 AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype IN ('a', 'i')) LOOP
        EXECUTE format('ALTER SEQUENCE %s OWNER TO %I', o.name, target::text);
      END LOOP;
      FOR o IN SELECT t.oid::regtype AS name FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
               WHERE n.nspname = '${PGBOSS_SCHEMA}' AND t.typtype IN ('e', 'd') AND t.typowner <> target LOOP
        EXECUTE format('ALTER TYPE %s OWNER TO %I', o.name, target::text);
      END LOOP;
      FOR o IN SELECT p.oid::regprocedure AS name FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
               WHERE n.nspname = '${PGBOSS_SCHEMA}' AND p.proowner <> target LOOP
        EXECUTE format('ALTER ROUTINE %s OWNER TO %I', o.name, target::text);
      END LOOP;
    END $$;
  `);
}
