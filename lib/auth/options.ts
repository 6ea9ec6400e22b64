import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import { getConfig } from "../config";
import { localSecret } from "../crypto/local-secrets";
import { db } from "../db/client";
import { requestMeta } from "../api/request-meta";
import { AppError } from "../errors";
import { attemptSignIn } from "./sign-in";

export const RATE_LIMITED_PREFIX = "RATE_LIMITED:";

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
          try {
            const ip = requestMeta(req?.headers as Record<string, unknown> | undefined).ipAddress;
            return await attemptSignIn({ db: db(), config }, credentials, ip);
          } catch (err) {
            // next-auth passes an authorize() error's message to the sign-in form.
            if (err instanceof AppError && err.code === "RATE_LIMITED") {
              throw new Error(`${RATE_LIMITED_PREFIX}${(err.details as { retry_after_seconds: number }).retry_after_seconds}`);
            }
            throw err;
          }
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
