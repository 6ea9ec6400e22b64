import type pg from "pg";
import { hitRateLimits } from "../auth/rate-limit";
import type { Config } from "../config";
import type { SecretBox } from "../crypto/secret-box";
import { secretHint } from "../crypto/secret-box";
import { apiKeyContext, hmacSecretContext } from "../crypto/secret-context";
import type { Db, Tx } from "../db/client";
import { prismaSql } from "../db/sql";
import { Prisma } from "../db/generated/client";
import type { DeliveryTarget } from "../delivery/delivery-request";
import type { DeliveryHttpClient } from "../delivery/http-client";
import { type AllowList, checkDestination } from "../delivery/outbound-guard";
import { resumeCursor } from "../delivery/resume-cursor";
import { CONNECTIONS_CHANNEL } from "../events/channels";
import { actorOf, type Principal } from "../auth/principal";
import { wireEvent } from "../events/envelope";
import { EVENT_TYPES } from "../events/event-types";
import { latestSeq } from "../events/event-store";
import { publishEvent } from "../events/publish";
import { AppError } from "../errors";
import { isUuid, parseOrThrow, validationError } from "../validation";
import { sendTestEvent, testEvent, type TestOutcome } from "./destination-test";
import { type ConnectionDto, connectionInclude, type ConnectionRow, toConnectionDto } from "./dto";
import { newOriginMessage, originChanges } from "./origin-change";
import { type ConnectionHealthDto, loadHealth } from "../health/connection-health";
import { endSpell } from "../health/health-store";
import { type AuthInput, newConnectionSchema, updateConnectionSchema } from "./schemas";
import { generateHmacSecret } from "./secrets";
import { loadTarget, openSecrets } from "./target";

export const MAX_HMAC_SECRETS = 2;
/** Each test is a request to a URL an admin chose; a connection gets at most this many a minute (all web instances together). */
export const TEST_SENDS_PER_MINUTE = 10;

/** `pool` reads destinations with their secrets (lib/connections/target.ts, shared with the worker). */
export type ServiceDeps = { db: Db; pool: pg.Pool; config: Config; http: DeliveryHttpClient; box: SecretBox; allow: AllowList; now?: () => Date };

const nowOf = (deps: ServiceDeps) => (deps.now ? deps.now() : new Date());

async function userMap(db: Db | Tx, organizationId: string) {
  const users = await db.user.findMany({ where: { organizationId }, select: { id: true, email: true, name: true } });
  return new Map(users.map((u) => [u.id, u]));
}

const connectionNotFound = () => new AppError("NOT_FOUND", "No event streaming connection with that id.");

async function findRow(db: Db | Tx, organizationId: string, id: string): Promise<ConnectionRow> {
  if (!isUuid(id)) throw connectionNotFound();
  const row = await db.connection.findFirst({ where: { id, organizationId }, include: connectionInclude });
  if (!row) throw connectionNotFound();
  return row;
}

/** Locks the organization's connection row until the transaction ends; checks the id first, as `::uuid` throws on a malformed one. */
async function lockRow(tx: Tx, organizationId: string, id: string) {
  if (!isUuid(id)) throw connectionNotFound();
  await tx.$queryRaw`SELECT id FROM connections WHERE id = ${id}::uuid AND organization_id = ${organizationId}::uuid FOR UPDATE`;
}

/** The saved connection's destination with its secrets opened. */
async function openTarget(deps: ServiceDeps, organizationId: string, id: string): Promise<DeliveryTarget> {
  const loaded = await loadTarget(deps.pool, organizationId, id, openSecrets(deps.box));
  if (!loaded) throw connectionNotFound();
  return loaded.target;
}

function testFailed(outcome: TestOutcome): AppError {
  return new AppError(
    "DESTINATION_TEST_FAILED",
    `The test event was not accepted, so nothing was saved. ${outcome.error ?? ""}`.trim(),
    outcome,
  );
}

async function limitTestSends(deps: ServiceDeps, connectionId: string) {
  const limit = await hitRateLimits(deps.db, [{ key: `test:connection:${connectionId}`, max: TEST_SENDS_PER_MINUTE }], 60, nowOf(deps));
  if (limit.limited) {
    throw new AppError(
      "RATE_LIMITED",
      `This connection was tested ${TEST_SENDS_PER_MINUTE} times in the last minute. Wait ${limit.retryAfterSeconds} s before testing it again.`,
      { retry_after_seconds: limit.retryAfterSeconds },
    );
  }
}

/** Sends the test message to a target that is not saved yet; refusals and failures throw. */
async function testBeforeSave(deps: ServiceDeps, principal: Principal, target: DeliveryTarget) {
  await checkDestination(target.url, deps.allow);
  const event = testEvent(actorOf(principal));
  const outcome = await sendTestEvent(deps.http, target, event);
  if (!outcome.ok) throw testFailed(outcome);
  return { event, outcome };
}


function urlHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return "";
  }
}

function auditData(row: { id: string; name: string; url: string; authType: string }, extra: Record<string, unknown> = {}) {
  return { connection_id: row.id, connection_name: row.name, url_host: urlHost(row.url), auth_type: row.authType, ...extra };
}

/** Tells streamers (in any worker) that this connection changed; delivered when the transaction commits. */
async function notifyChanged(tx: Tx, connectionId: string) {
  await tx.$executeRaw`SELECT pg_notify(${CONNECTIONS_CHANNEL}, ${connectionId})`;
}

/** Secrets live in their own table: bump the connection so polling workers notice too. */
async function secretsChanged(tx: Tx, connectionId: string) {
  await tx.connection.update({ where: { id: connectionId }, data: { updatedAt: new Date() } });
  await notifyChanged(tx, connectionId);
}

function audit(tx: Tx, principal: Principal, eventType: string, data: Record<string, unknown>, transactionId: string) {
  return publishEvent(tx, principal.organizationId, wireEvent({ eventType, actor: actorOf(principal), data, transactionId }));
}

/** The rows as the API shows them, each with its health. */
async function toDtos(deps: ServiceDeps, organizationId: string, rows: ConnectionRow[]): Promise<ConnectionDto[]> {
  const [users, health] = await Promise.all([userMap(deps.db, organizationId), connectionHealth(deps, organizationId, rows)]);
  return rows.map((r) => toConnectionDto(r, users, health.get(r.id)!));
}

/** The health of these rows of the organization (the worker keeps it; see lib/health/). */
export async function connectionHealth(
  deps: Pick<ServiceDeps, "pool" | "now">,
  organizationId: string,
  rows: readonly { id: string; enabled: boolean; cursor: bigint }[],
): Promise<Map<string, ConnectionHealthDto>> {
  return loadHealth(deps.pool, organizationId, rows, deps.now ? deps.now() : new Date());
}

export async function listConnections(deps: ServiceDeps, organizationId: string): Promise<ConnectionDto[]> {
  const rows = await deps.db.connection.findMany({ where: { organizationId }, include: connectionInclude, orderBy: { createdAt: "asc" } });
  return toDtos(deps, organizationId, rows);
}

export async function getConnection(deps: ServiceDeps, organizationId: string, id: string): Promise<ConnectionDto> {
  const row = await findRow(deps.db, organizationId, id);
  return (await toDtos(deps, organizationId, [row]))[0]!;
}

/** The health of every connection of the organization, by id (the pages refresh it while open). */
export async function listConnectionHealth(deps: ServiceDeps, organizationId: string): Promise<Record<string, ConnectionHealthDto>> {
  const rows = await deps.db.connection.findMany({ where: { organizationId }, select: { id: true, enabled: true, cursor: true } });
  return Object.fromEntries(await connectionHealth(deps, organizationId, rows));
}

/** Throws NOT_FOUND unless the organization has this connection. */
export async function assertConnection(deps: Pick<ServiceDeps, "db">, organizationId: string, id: string): Promise<void> {
  if (!isUuid(id) || !(await deps.db.connection.findFirst({ where: { id, organizationId }, select: { id: true } }))) throw connectionNotFound();
}

/** The organization's connections, id and name, oldest first (for pickers and filters). */
export async function connectionNames(deps: Pick<ServiceDeps, "db">, organizationId: string): Promise<{ id: string; name: string }[]> {
  return deps.db.connection.findMany({ where: { organizationId }, select: { id: true, name: true }, orderBy: { createdAt: "asc" } });
}

export async function countConnections(deps: { db: Db | Tx }, organizationId: string): Promise<number> {
  return deps.db.connection.count({ where: { organizationId } });
}

async function assertUnderLimit(db: Db | Tx, config: Config, organizationId: string) {
  const count = await countConnections({ db }, organizationId);
  if (count >= config.maxConnectionsPerOrg) {
    throw new AppError(
      "CONNECTION_LIMIT_REACHED",
      `An organization can have at most ${config.maxConnectionsPerOrg} event streaming connections. Delete one to add another.`,
      { limit: config.maxConnectionsPerOrg },
    );
  }
}

export type CreateResult = { connection: ConnectionDto; hmacSecret: string | null; test: TestOutcome };

export async function createConnection(deps: ServiceDeps, principal: Principal, raw: unknown): Promise<CreateResult> {
  const input = parseOrThrow(newConnectionSchema, raw);
  // Checked again under a lock below; this early check spares the destination a pointless test.
  await assertUnderLimit(deps.db, deps.config, principal.organizationId);

  const hmacSecret = input.auth.type === "HMAC" ? generateHmacSecret() : null;
  const target: DeliveryTarget = {
    url: input.url,
    auth:
      input.auth.type === "API_KEY"
        ? { type: "API_KEY", keys: input.auth.keys.map((k) => ({ key: k.key, value: k.value!, addTo: k.add_to })) }
        : input.auth.type === "HMAC"
          ? { type: "HMAC", secrets: [hmacSecret!] }
          : { type: "NONE" },
  };
  const { event, outcome } = await testBeforeSave(deps, principal, target);

  const id = await deps.db.$transaction(async (tx) => {
    // Serialises creates per organization so concurrent requests cannot pass the limit.
    await tx.$queryRaw`SELECT id FROM organizations WHERE id = ${principal.organizationId}::uuid FOR UPDATE`;
    await assertUnderLimit(tx, deps.config, principal.organizationId);
    await publishEvent(tx, principal.organizationId, event);
    // A new connection streams what happens from now on, starting after its own test event.
    const cursor = await latestSeq(prismaSql(tx), principal.organizationId);
    // Ids chosen here, because each secret is sealed bound to its connection (and HMAC secret) id.
    const connectionId = crypto.randomUUID();
    const hmacSecretId = crypto.randomUUID();
    const row = await tx.connection.create({
      data: {
        id: connectionId,
        organizationId: principal.organizationId,
        name: input.name,
        url: input.url,
        authType: input.auth.type,
        cursor,
        createdById: principal.user.id,
        apiKeys:
          target.auth.type === "API_KEY"
            ? {
                create: target.auth.keys.map((k, position) => ({
                  position,
                  key: k.key,
                  addTo: k.addTo,
                  valueEncrypted: deps.box.seal(k.value, apiKeyContext(connectionId, position)),
                  valueHint: secretHint(k.value),
                })),
              }
            : undefined,
        hmacSecrets: hmacSecret
          ? { create: [{ id: hmacSecretId, secretEncrypted: deps.box.seal(hmacSecret, hmacSecretContext(connectionId, hmacSecretId)), hint: secretHint(hmacSecret) }] }
          : undefined,
      },
    });
    await audit(tx, principal, EVENT_TYPES.connectionCreated, auditData(row), event.transaction_id);
    await notifyChanged(tx, row.id);
    return row.id;
  });
  return { connection: await getConnection(deps, principal.organizationId, id), hmacSecret, test: outcome };
}

function sameAuth(row: ConnectionRow, current: DeliveryTarget, next: DeliveryTarget): boolean {
  if (current.auth.type !== next.auth.type) return false;
  if (current.auth.type === "API_KEY" && next.auth.type === "API_KEY") {
    return JSON.stringify(current.auth.keys) === JSON.stringify(next.auth.keys);
  }
  return row.authType === next.auth.type;
}

export type UpdateResult = { connection: ConnectionDto; hmacSecret: string | null; test: TestOutcome | null };

export async function updateConnection(deps: ServiceDeps, principal: Principal, id: string, raw: unknown): Promise<UpdateResult> {
  const input = parseOrThrow(updateConnectionSchema, raw);
  const row = await findRow(deps.db, principal.organizationId, id);
  const current = await openTarget(deps, principal.organizationId, row.id);

  let hmacSecret: string | null = null;
  const newSecret = () => (hmacSecret = generateHmacSecret());
  const newOrigin = originChanges(row.url, input.url);
  let nextAuth: DeliveryTarget["auth"] = current.auth;
  if (input.auth) nextAuth = mergeAuth(input.auth, current, newSecret, newOrigin ? newOriginMessage(row.url, input.url!) : null);
  else if (newOrigin && current.auth.type === "API_KEY") {
    throw validationError([{ path: "auth", message: newOriginMessage(row.url, input.url!) }]);
  } else if (newOrigin && current.auth.type === "HMAC") nextAuth = { type: "HMAC", secrets: [newSecret()] };
  const next: DeliveryTarget = { url: input.url ?? row.url, auth: nextAuth };
  const authChanged = hmacSecret !== null || !sameAuth(row, current, next);
  const destinationChanged = next.url !== row.url || authChanged;

  let tested: Awaited<ReturnType<typeof testBeforeSave>> | null = null;
  if (destinationChanged) {
    await limitTestSends(deps, row.id);
    tested = await testBeforeSave(deps, principal, next);
  }

  await deps.db.$transaction(async (tx) => {
    await tx.$queryRaw`SELECT id FROM connections WHERE id = ${row.id}::uuid FOR UPDATE`;
    const transactionId = tested?.event.transaction_id ?? crypto.randomUUID();
    if (tested) await publishEvent(tx, principal.organizationId, tested.event);
    const changed: string[] = [];
    if (input.name !== undefined && input.name !== row.name) changed.push("name");
    if (next.url !== row.url) changed.push("url");
    if (authChanged) changed.push("auth");
    await tx.connection.update({
      where: { id: row.id },
      data: { name: input.name ?? row.name, url: next.url, authType: next.auth.type },
    });
    if (changed.includes("auth")) {
      await tx.connectionApiKey.deleteMany({ where: { connectionId: row.id } });
      if (next.auth.type === "API_KEY") {
        await tx.connectionApiKey.createMany({
          data: next.auth.keys.map((k, position) => ({
            connectionId: row.id,
            position,
            key: k.key,
            addTo: k.addTo,
            valueEncrypted: deps.box.seal(k.value, apiKeyContext(row.id, position)),
            valueHint: secretHint(k.value),
          })),
        });
      }
      // A new secret (new origin, or a switch to HMAC) replaces every earlier one.
      if (next.auth.type !== "HMAC" || hmacSecret) await tx.hmacSecret.deleteMany({ where: { connectionId: row.id } });
      if (hmacSecret) {
        const secretId = crypto.randomUUID();
        await tx.hmacSecret.create({
          data: { id: secretId, connectionId: row.id, secretEncrypted: deps.box.seal(hmacSecret, hmacSecretContext(row.id, secretId)), hint: secretHint(hmacSecret) },
        });
      }
    }
    if (changed.length) await notifyChanged(tx, row.id);
    if (changed.length) {
      await audit(tx, principal, EVENT_TYPES.connectionUpdated, auditData({ ...row, name: input.name ?? row.name, url: next.url, authType: next.auth.type }, { changed }), transactionId);
    }
  });
  if (input.enabled !== undefined) await setEnabled(deps, principal, row.id, input.enabled);
  return { connection: await getConnection(deps, principal.organizationId, row.id), hmacSecret, test: tested?.outcome ?? null };
}

/**
 * The auth an edit asks for; API key values left out keep the stored value of the same key,
 * unless the edit moves the connection to a new origin (`newOrigin` explains why not).
 */
function mergeAuth(input: AuthInput, current: DeliveryTarget, newSecret: () => string, newOrigin: string | null): DeliveryTarget["auth"] {
  if (input.type === "NONE") return { type: "NONE" };
  if (input.type === "HMAC") return current.auth.type === "HMAC" && !newOrigin ? current.auth : { type: "HMAC", secrets: [newSecret()] };
  const stored = current.auth.type === "API_KEY" && !newOrigin ? current.auth.keys : [];
  const problems: { path: string; message: string }[] = [];
  const keys = input.keys.map((k, i) => {
    if (k.value !== undefined && k.value.length > 0) return { key: k.key, value: k.value, addTo: k.add_to };
    const kept = stored.find((s) => s.key === k.key && s.addTo === k.add_to);
    if (!kept) {
      problems.push({
        path: `auth.keys.${i}.value`,
        message: newOrigin ? "Enter this value again: stored values are not sent to a new origin." : "Enter a value (this key has no stored value to keep).",
      });
    }
    return { key: k.key, value: kept?.value ?? "", addTo: k.add_to };
  });
  if (problems.length) throw newOrigin ? new AppError("VALIDATION_FAILED", newOrigin, problems) : validationError(problems);
  return { type: "API_KEY", keys };
}

export async function setEnabled(deps: ServiceDeps, principal: Principal, id: string, enabled: boolean): Promise<ConnectionDto> {
  await deps.db.$transaction(async (tx) => {
    await lockRow(tx, principal.organizationId, id);
    const row = await findRow(tx, principal.organizationId, id);
    if (row.enabled === enabled) return;
    const now = nowOf(deps);
    if (enabled) {
      const resume = resumeCursor(row, await latestSeq(prismaSql(tx), principal.organizationId), now);
      await tx.connection.update({
        where: { id },
        data: { enabled: true, cursor: resume.cursor, disabledAt: null, disabledReason: null, disabledById: null, disabledDetails: Prisma.DbNull },
      });
      await endSpell(prismaSql(tx), id);
      await audit(tx, principal, EVENT_TYPES.connectionEnabled, auditData(row, { resumed_from: resume.skipped ? "latest" : "paused_position" }), crypto.randomUUID());
    } else {
      await tx.connection.update({ where: { id }, data: { enabled: false, disabledAt: now, disabledReason: "MANUAL", disabledById: principal.user.id } });
      await audit(tx, principal, EVENT_TYPES.connectionDisabled, auditData(row, { reason: "MANUAL" }), crypto.randomUUID());
    }
    await notifyChanged(tx, id);
  });
  return getConnection(deps, principal.organizationId, id);
}

export async function deleteConnection(deps: ServiceDeps, principal: Principal, id: string): Promise<void> {
  await deps.db.$transaction(async (tx) => {
    const row = await findRow(tx, principal.organizationId, id);
    await tx.connection.delete({ where: { id: row.id } });
    await audit(tx, principal, EVENT_TYPES.connectionDeleted, auditData(row), crypto.randomUUID());
    await notifyChanged(tx, row.id);
  });
}

/** "Send test event" on a saved connection: the result is returned, and the test is audited. */
export async function testConnection(deps: ServiceDeps, principal: Principal, id: string): Promise<TestOutcome> {
  const row = await findRow(deps.db, principal.organizationId, id);
  await limitTestSends(deps, row.id);
  const target = await openTarget(deps, principal.organizationId, row.id);
  const event = testEvent(actorOf(principal));
  let outcome: TestOutcome;
  try {
    await checkDestination(target.url, deps.allow);
    outcome = await sendTestEvent(deps.http, target, event);
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    outcome = { ok: false, status: null, latency_ms: 0, error: err.message, response_excerpt: null };
  }
  await deps.db.$transaction((tx) => publishEvent(tx, principal.organizationId, event));
  return outcome;
}

export async function addHmacSecret(deps: ServiceDeps, principal: Principal, id: string): Promise<{ id: string; secret: string; created_at: string }> {
  const secret = generateHmacSecret();
  return deps.db.$transaction(async (tx) => {
    await lockRow(tx, principal.organizationId, id);
    const row = await findRow(tx, principal.organizationId, id);
    if (row.authType !== "HMAC") throw new AppError("CONFLICT", "This connection does not use HMAC authorization.");
    if (row.hmacSecrets.length >= MAX_HMAC_SECRETS) {
      throw new AppError("CONFLICT", `A connection has at most ${MAX_HMAC_SECRETS} HMAC secrets. Retire one before adding another.`);
    }
    const secretId = crypto.randomUUID();
    const created = await tx.hmacSecret.create({
      data: { id: secretId, connectionId: row.id, secretEncrypted: deps.box.seal(secret, hmacSecretContext(row.id, secretId)), hint: secretHint(secret) },
    });
    await audit(tx, principal, EVENT_TYPES.hmacSecretAdded, auditData(row, { secret_id: created.id }), crypto.randomUUID());
    await secretsChanged(tx, row.id);
    return { id: created.id, secret, created_at: created.createdAt.toISOString() };
  });
}

export async function retireHmacSecret(deps: ServiceDeps, principal: Principal, id: string, secretId: string): Promise<void> {
  await deps.db.$transaction(async (tx) => {
    await lockRow(tx, principal.organizationId, id);
    const row = await findRow(tx, principal.organizationId, id);
    if (!row.hmacSecrets.some((s) => s.id === secretId)) throw new AppError("NOT_FOUND", "No HMAC secret with that id on this connection.");
    if (row.hmacSecrets.length <= 1) {
      throw new AppError("CONFLICT", "The last HMAC secret cannot be retired. Add a new secret first, then retire the old one.");
    }
    await tx.hmacSecret.delete({ where: { id: secretId } });
    await audit(tx, principal, EVENT_TYPES.hmacSecretRetired, auditData(row, { secret_id: secretId }), crypto.randomUUID());
    await secretsChanged(tx, row.id);
  });
}
