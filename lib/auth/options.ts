import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import { getConfig } from "../config";
import { localSecret } from "../crypto/local-secrets";
import { db } from "../db/client";
import { log } from "../log";
import { dummyPasswordHash, verifyPassword } from "./password";
import { clearRateLimit, hitRateLimits } from "./rate-limit";
import { loginSchema } from "./schemas";

export const RATE_LIMITED_PREFIX = "RATE_LIMITED:";

function clientIp(headers: Record<string, unknown> | undefined): string {
  const forwarded = headers?.["x-forwarded-for"];
  const first = typeof forwarded === "string" ? forwarded.split(",")[0]?.trim() : undefined;
  const real = headers?.["x-real-ip"];
  return first || (typeof real === "string" ? real : "") || "unknown";
}

export function authSecret(): string {
  const config = getConfig();
  return config.authSecret ?? localSecret(config.dataDir, "auth-secret").toString("base64url");
}

export function authOptions(): NextAuthOptions {
  const config = getConfig();
  return {
    secret: authSecret(),
    session: { strategy: "jwt", maxAge: 12 * 60 * 60 },
    pages: { signIn: "/login" },
    providers: [
      CredentialsProvider({
        name: "Email and password",
        credentials: { email: { type: "email" }, password: { type: "password" } },
        async authorize(credentials, req) {
          const parsed = loginSchema.safeParse(credentials ?? {});
          if (!parsed.success) return null;
          const { email, password } = parsed.data;
          const ip = clientIp(req?.headers as Record<string, unknown> | undefined);
          const limit = await hitRateLimits(
            db(),
            [
              { key: `login:email:${email}`, max: config.login.maxAttemptsPerEmail },
              { key: `login:ip:${ip}`, max: config.login.maxAttemptsPerIp },
            ],
            config.login.windowSeconds,
          );
          if (limit.limited) {
            log().warn({ ip, event: "login_rate_limited" }, "login rate limited");
            throw new Error(`${RATE_LIMITED_PREFIX}${limit.retryAfterSeconds}`);
          }
          const user = await db().user.findUnique({ where: { email } });
          const ok = await verifyPassword(password, user?.passwordHash ?? (await dummyPasswordHash()));
          if (!user || !ok) {
            log().info({ ip, event: "login_failed" }, "login failed");
            return null;
          }
          await clearRateLimit(db(), `login:email:${email}`);
          log().info({ userId: user.id, ip, event: "login" }, "signed in");
          return { id: user.id, email: user.email, name: user.name };
        },
      }),
    ],
    callbacks: {
      async jwt({ token, user }) {
        if (user) token.sub = user.id;
        return token;
      },
      async session({ session, token }) {
        if (session.user && token.sub) (session.user as { id?: string }).id = token.sub;
        return session;
      },
    },
  };
}
