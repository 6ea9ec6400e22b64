import type { Logger } from "pino";
import type { Config } from "../config";
import type { Db } from "../db/client";
import { AppError } from "../errors";
import { log } from "../log";
import { loginKeys, loginThrottle } from "./login-throttle";
import { dummyPasswordHash, verifyPassword } from "./password";
import { clearRateLimit, hitCounters, secondsLeftInWindow } from "./rate-limit";
import { loginSchema } from "./schemas";

export type SignInDeps = { db: Db; config: Config; logger?: Logger; sleep?: (ms: number) => Promise<void>; now?: () => Date };
export type SignedIn = { id: string; email: string; name: string };

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Checks an email and password for next-auth's credentials provider: null when they are wrong,
 * an AppError RATE_LIMITED (with `retry_after_seconds`) when this client must wait. See
 * login-throttle.ts for why a person cannot be locked out.
 */
export async function attemptSignIn(deps: SignInDeps, credentials: unknown, clientIp: string | null): Promise<SignedIn | null> {
  const parsed = loginSchema.safeParse(credentials ?? {});
  if (!parsed.success) return null;
  const { email, password } = parsed.data;
  const { windowSeconds, maxAttemptsPerIp, maxAttemptsPerEmail } = deps.config.login;
  const client = clientIp ?? "unknown";
  const keys = loginKeys(email, client);
  const now = deps.now?.() ?? new Date();
  const logger = deps.logger ?? log();
  // One round trip: count this attempt for the client and the pair, read the email's failures.
  const [clientCount, pairCount, emailFailures] = await hitCounters(
    deps.db,
    [keys.client, keys.emailAndClient, keys.emailFailures],
    windowSeconds,
    now,
    [1, 1, 0],
  );
  const throttle = loginThrottle(
    { client: clientCount!, emailAndClient: pairCount!, emailFailures: emailFailures! },
    { maxPerClient: maxAttemptsPerIp, maxPerEmailAndClient: maxAttemptsPerEmail, slowAfterEmailFailures: maxAttemptsPerEmail },
  );
  if (throttle.refuse) {
    logger.warn({ ip: client, event: "login_rate_limited" }, "login rate limited");
    const retryAfter = secondsLeftInWindow(now, windowSeconds);
    throw new AppError("RATE_LIMITED", "Too many sign-in attempts.", { retry_after_seconds: retryAfter });
  }
  if (throttle.delayMs > 0) {
    logger.warn({ ip: client, delayMs: throttle.delayMs, event: "login_slowed" }, "sign-in slowed: many failed attempts on this account");
    await (deps.sleep ?? sleep)(throttle.delayMs);
  }
  const user = await deps.db.user.findUnique({ where: { email } });
  // Someone invited, or signed in only through portal links, has no password: checked against a
  // dummy all the same, so the answer takes as long and says as little.
  const ok = await verifyPassword(password, user?.passwordHash ?? (await dummyPasswordHash()));
  if (!user || !user.passwordHash || !ok) {
    await hitCounters(deps.db, [keys.emailFailures], windowSeconds, now);
    logger.info({ ip: client, event: "login_failed" }, "login failed");
    return null;
  }
  await clearRateLimit(deps.db, keys.emailAndClient);
  logger.info({ userId: user.id, ip: client, event: "login" }, "signed in");
  return { id: user.id, email: user.email, name: user.name };
}
