import type { CookiesOptions, NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import type { Config } from "../config";
import { getConfig } from "../config";
import { localSecret } from "../crypto/local-secrets";
import { db } from "../db/client";
import { requestMeta } from "../api/request-meta";
import { AppError } from "../errors";
import { log } from "../log";
import { consumePortalLink } from "../portal/portal-links";
import { attemptSignIn } from "./sign-in";

export const RATE_LIMITED_PREFIX = "RATE_LIMITED:";
/** The next-auth provider that signs a person in with an operator-minted portal link. */
export const PORTAL_PROVIDER = "portal";

export function authSecret(): string {
  const config = getConfig();
  return config.authSecret ?? localSecret(config.dataDir, "auth-secret").toString("base64url");
}

/**
 * Cookies for pages embedded in the host product's iframe: a browser sends a cookie to a framed
 * page of another site only when it is `SameSite=None; Secure`, and `Secure` needs https. So with
 * PORTAL_FRAME_ANCESTORS set and an https:// APP_URL the session, CSRF and callback cookies are
 * sent that way; otherwise next-auth's defaults (SameSite=Lax) stay.
 */
export function sessionCookies(config: Pick<Config, "appUrl" | "portalFrameAncestors">): Partial<CookiesOptions> | undefined {
  if (config.portalFrameAncestors.length === 0 || !config.appUrl.startsWith("https://")) return undefined;
  const options = { httpOnly: true, sameSite: "none" as const, path: "/", secure: true };
  return {
    sessionToken: { name: "__Secure-next-auth.session-token", options },
    callbackUrl: { name: "__Secure-next-auth.callback-url", options },
    csrfToken: { name: "__Host-next-auth.csrf-token", options },
  };
}

export function authOptions(): NextAuthOptions {
  const config = getConfig();
  return {
    secret: authSecret(),
    session: { strategy: "jwt", maxAge: 12 * 60 * 60 },
    pages: { signIn: "/login" },
    cookies: sessionCookies(config),
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
      // The portal page's Continue button posts the link's token here; the link works once.
      CredentialsProvider({
        id: PORTAL_PROVIDER,
        name: "Portal sign-in link",
        credentials: { token: { type: "text" } },
        async authorize(credentials, req) {
          const token = typeof credentials?.token === "string" ? credentials.token : "";
          try {
            const person = await consumePortalLink(db(), requestMeta(req?.headers as Record<string, unknown> | undefined), token);
            log().info({ userId: person.id, event: "portal_sign_in" }, "signed in with a portal link");
            return person;
          } catch (err) {
            if (err instanceof AppError) {
              log().info({ event: "portal_sign_in_refused", reason: err.code }, "portal link refused");
              return null;
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
