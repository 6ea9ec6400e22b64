import type { RequestMeta } from "../api/request-meta";
import type { Principal } from "../auth/principal";
import { OPERATOR_AGENT } from "../auth/principal";
import type { Db, Tx } from "../db/client";
import { prismaSql } from "../db/sql";
import { CONNECTIONS_CHANNEL } from "../events/channels";
import { recordAudit } from "../events/audit";
import { EVENT_TYPES } from "../events/event-types";
import { purgeOrganizationEvents } from "../events/event-store";
import { forgetOrganizationEventTypes } from "../events/event-type-catalog";
import { AppError } from "../errors";
import { purgeOrganizationFailures } from "../failures/failure-store";
import { purgeOrganizationRedeliveries } from "../failures/redelivery-store";
import { log } from "../log";
import { forgetOrganizationDigests } from "../notifications/daily-digest";
import { isUuid, parseOrThrow, validationError } from "../validation";
import {
  newOrganizationSchema,
  type OrganizationDto,
  organizationPatchSchema,
  organizationsQuerySchema,
} from "./schemas";

/** The operator acting on one organization: the audit actor of its changes. */
export const operatorIn = (organizationId: string, meta: RequestMeta): Principal => ({ organizationId, user: null, agent: OPERATOR_AGENT, ...meta });

const SELECT = { id: true, name: true, externalId: true, createdAt: true, _count: { select: { connections: true } } } as const;
type Row = { id: string; name: string; externalId: string | null; createdAt: Date; _count: { connections: number } };

const toDto = (r: Row): OrganizationDto => ({
  id: r.id,
  name: r.name,
  external_id: r.externalId,
  created_at: r.createdAt.toISOString(),
  connections: r._count.connections,
});

const notFound = (ref: string) =>
  new AppError("NOT_FOUND", `No organization has the id or external_id ${JSON.stringify(ref.slice(0, 200))}.`);

const externalIdTaken = (externalId: string) =>
  new AppError("CONFLICT", `Another organization already has the external_id ${JSON.stringify(externalId)}.`, { external_id: externalId });

/** An organization by its id or, failing that, its external_id (the host product's tenant id). */
export async function resolveOrganization(dbc: Db | Tx, ref: string): Promise<{ id: string; name: string }> {
  const trimmed = ref.trim();
  const select = { id: true, name: true } as const;
  const found =
    (isUuid(trimmed) ? await dbc.organization.findUnique({ where: { id: trimmed.toLowerCase() }, select }) : null) ??
    (trimmed ? await dbc.organization.findUnique({ where: { externalId: trimmed }, select }) : null);
  if (!found) throw notFound(trimmed);
  return found;
}

const isUniqueViolation = (err: unknown) => (err as { code?: string } | null)?.code === "P2002";

export async function createOrganization(dbc: Db, meta: RequestMeta, raw: unknown): Promise<OrganizationDto> {
  const input = parseOrThrow(newOrganizationSchema, raw);
  try {
    return await dbc.$transaction(async (tx) => {
      const row = await tx.organization.create({ data: { name: input.name, externalId: input.external_id ?? null }, select: SELECT });
      await recordAudit(tx, operatorIn(row.id, meta), EVENT_TYPES.organizationCreated, { organization_name: row.name, external_id: row.externalId });
      return toDto(row);
    });
  } catch (err) {
    if (isUniqueViolation(err) && input.external_id) throw externalIdTaken(input.external_id);
    throw err;
  }
}

// The list's cursor: the last row's creation time and id, so pages stay stable while organizations are added.
const encodeCursor = (r: { createdAt: Date; id: string }) => Buffer.from(`${r.createdAt.toISOString()}|${r.id}`).toString("base64url");

function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  const [at, id] = Buffer.from(cursor, "base64url").toString("utf8").split("|");
  const createdAt = new Date(at ?? "");
  if (!id || !isUuid(id) || Number.isNaN(createdAt.getTime())) throw validationError([{ path: "cursor", message: "Not a cursor of this list: pass next_cursor as it came." }]);
  return { createdAt, id };
}

export async function listOrganizations(dbc: Db, rawQuery: Record<string, string | undefined>) {
  const query = parseOrThrow(organizationsQuerySchema, rawQuery);
  const after = query.cursor ? decodeCursor(query.cursor) : null;
  const rows = await dbc.organization.findMany({
    where: {
      ...(query.external_id ? { externalId: query.external_id } : {}),
      ...(after ? { OR: [{ createdAt: { gt: after.createdAt } }, { createdAt: after.createdAt, id: { gt: after.id } }] } : {}),
    },
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
    take: query.limit + 1,
    select: SELECT,
  });
  const page = rows.slice(0, query.limit);
  return { data: page.map(toDto), next_cursor: rows.length > query.limit ? encodeCursor(page.at(-1)!) : null };
}

export async function getOrganization(dbc: Db, ref: string): Promise<OrganizationDto> {
  const { id } = await resolveOrganization(dbc, ref);
  return toDto(await dbc.organization.findUniqueOrThrow({ where: { id }, select: SELECT }));
}

export async function updateOrganization(dbc: Db, meta: RequestMeta, ref: string, raw: unknown): Promise<OrganizationDto> {
  const input = parseOrThrow(organizationPatchSchema, raw);
  try {
    return await dbc.$transaction(async (tx) => {
      const { id } = await resolveOrganization(tx, ref);
      const before = await tx.organization.findUniqueOrThrow({ where: { id }, select: SELECT });
      const row = await tx.organization.update({
        where: { id },
        data: { ...(input.name !== undefined ? { name: input.name } : {}), ...(input.external_id !== undefined ? { externalId: input.external_id } : {}) },
        select: SELECT,
      });
      const changed = [...(row.name !== before.name ? ["name"] : []), ...(row.externalId !== before.externalId ? ["external_id"] : [])];
      if (changed.length > 0) {
        await recordAudit(tx, operatorIn(id, meta), EVENT_TYPES.organizationUpdated, {
          organization_name: row.name,
          external_id: row.externalId,
          changed,
        });
      }
      return toDto(row);
    });
  } catch (err) {
    if (isUniqueViolation(err) && input.external_id) throw externalIdTaken(input.external_id);
    throw err;
  }
}

/**
 * Deletes an organization and everything it owns in one transaction: its event log (and the event
 * types noted from it), failed deliveries, redeliveries and digest records (through their stores),
 * then the organization row,
 * whose foreign keys take its connections (keys, secrets, metrics), people, API tokens,
 * invitations and portal links with it. Its tokens and sessions stop working at commit. The
 * organization's own event log goes too, so the deletion is recorded in the application log.
 */
export async function deleteOrganization(dbc: Db, meta: RequestMeta, ref: string): Promise<void> {
  const deleted = await dbc.$transaction(
    async (tx) => {
      const org = await resolveOrganization(tx, ref);
      await tx.$queryRaw`SELECT id FROM organizations WHERE id = ${org.id}::uuid FOR UPDATE`;
      const connections = await tx.connection.findMany({ where: { organizationId: org.id }, select: { id: true } });
      const sql = prismaSql(tx);
      await purgeOrganizationRedeliveries(sql, org.id);
      await purgeOrganizationFailures(sql, org.id);
      await purgeOrganizationEvents(sql, org.id);
      await forgetOrganizationEventTypes(sql, org.id);
      await forgetOrganizationDigests(sql, org.id);
      await tx.organization.delete({ where: { id: org.id } });
      // Streamers of its connections stop at commit, as when a connection is deleted.
      for (const c of connections) await tx.$executeRaw`SELECT pg_notify(${CONNECTIONS_CHANNEL}, ${c.id})`;
      return { ...org, connections: connections.length };
    },
    // An organization with a long event log takes a while to delete; it is one transaction all the same.
    { timeout: 10 * 60_000 },
  );
  log().info(
    { event: "organization_deleted", organizationId: deleted.id, organizationName: deleted.name, connections: deleted.connections, actor: OPERATOR_AGENT, ip: meta.ipAddress },
    "organization deleted by the operator",
  );
}
