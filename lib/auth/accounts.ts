import type { Config } from "../config";
import type { Db, Tx } from "../db/client";
import { AppError } from "../errors";
import { parseOrThrow } from "../validation";
import { registerApiToken } from "./api-tokens";
import { hashPassword } from "./password";
import { emailSchema, firstRunSchema, newPasswordSchema, suppliedApiTokenSchema, type FirstRunInput } from "./schemas";

// Serialises first-run set-up across web instances and the env bootstrap.
const SETUP_LOCK_ID = 72707370;

export async function hasAnyUser(dbc: Db): Promise<boolean> {
  return (await dbc.user.count()) > 0;
}

async function lockSetup(tx: Tx) {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(${SETUP_LOCK_ID})`;
}

async function insertFirstAdmin(
  tx: Tx,
  input: { organizationName: string; name: string; email: string; passwordHash: string },
) {
  const org = await tx.organization.create({ data: { name: input.organizationName } });
  const user = await tx.user.create({
    data: { organizationId: org.id, email: input.email, name: input.name, role: "ADMIN", passwordHash: input.passwordHash },
  });
  return { organization: org, user };
}

/** The first-run page: creates the organization and its first admin, only while no user exists. */
export async function createFirstAdmin(dbc: Db, raw: FirstRunInput) {
  const input = parseOrThrow(firstRunSchema, raw, "Check the highlighted fields.");
  const passwordHash = await hashPassword(input.password);
  return dbc.$transaction(async (tx) => {
    await lockSetup(tx);
    if ((await tx.user.count()) > 0) {
      throw new AppError("ALREADY_SET_UP", "Tributary is already set up. Sign in with your account instead.");
    }
    const created = await insertFirstAdmin(tx, { ...input, passwordHash });
    return { organizationId: created.organization.id, userId: created.user.id, email: created.user.email };
  });
}

export type BootstrapResult = { createdAdmin: boolean; createdToken: boolean; notes: string[] };

/**
 * BOOTSTRAP_ADMIN_EMAIL/PASSWORD and BOOTSTRAP_API_TOKEN: set up without a browser. Everything is
 * validated before anything is written, and written in one transaction.
 */
export async function bootstrapFromConfig(dbc: Db, config: Config): Promise<BootstrapResult> {
  const { adminEmail, adminPassword, apiToken } = config.bootstrap;
  const notes: string[] = [];
  if (!adminEmail || !adminPassword) return { createdAdmin: false, createdToken: false, notes };

  const problems: string[] = [];
  const email = emailSchema.safeParse(adminEmail);
  if (!email.success) problems.push(`BOOTSTRAP_ADMIN_EMAIL: ${email.error.issues[0]?.message}`);
  const password = newPasswordSchema.safeParse(adminPassword);
  if (!password.success) problems.push(`BOOTSTRAP_ADMIN_PASSWORD: ${password.error.issues[0]?.message}`);
  if (apiToken) {
    const token = suppliedApiTokenSchema.safeParse(apiToken);
    if (!token.success) problems.push(`BOOTSTRAP_API_TOKEN: ${token.error.issues[0]?.message}`);
  }
  if (problems.length > 0 || !email.success) {
    throw new AppError("VALIDATION_FAILED", `Bootstrap settings are invalid; nothing was created.\n  ${problems.join("\n  ")}`);
  }
  const passwordHash = await hashPassword(adminPassword);

  return dbc.$transaction(async (tx) => {
    await lockSetup(tx);
    let createdAdmin = false;
    let createdToken = false;
    let admin = await tx.user.findUnique({ where: { email: email.data } });
    if ((await tx.user.count()) === 0) {
      const created = await insertFirstAdmin(tx, {
        organizationName: "Default organization",
        name: email.data.split("@")[0] ?? "Admin",
        email: email.data,
        passwordHash,
      });
      admin = created.user;
      createdAdmin = true;
    } else {
      notes.push("Users already exist; BOOTSTRAP_ADMIN_EMAIL/PASSWORD were not applied.");
    }
    if (apiToken) {
      if ((await tx.apiToken.count()) > 0) {
        notes.push("An API token already exists; BOOTSTRAP_API_TOKEN was not registered.");
      } else if (!admin || admin.role !== "ADMIN") {
        notes.push(`BOOTSTRAP_API_TOKEN was not registered: ${email.data} is not an admin of this installation.`);
      } else {
        await registerApiToken(tx, {
          organizationId: admin.organizationId,
          userId: admin.id,
          name: "Bootstrap token",
          token: apiToken,
        });
        createdToken = true;
      }
    }
    return { createdAdmin, createdToken, notes };
  });
}
