import type { Config } from "../config";

// Response headers of every page, set per request by proxy.ts (the nonce must be fresh each time).
//
// Scripts: only those carrying this response's nonce, and what they load ('strict-dynamic').
// Next.js reads the nonce from the request's Content-Security-Policy header and puts it on its
// own scripts, so no 'unsafe-inline' is needed. Styles: our stylesheet and Next.js's nonced tags.

export type PagePolicyInput = {
  nonce: string;
  /** Origins besides this one that may frame the pages (PORTAL_FRAME_ANCESTORS). */
  frameAncestors: readonly string[];
  https: boolean;
  dev: boolean;
};

export function contentSecurityPolicy({ nonce, frameAncestors, https, dev }: PagePolicyInput): string {
  const directives = [
    "default-src 'self'",
    // React's development build evaluates code for its error overlays; production never does.
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${dev ? " 'unsafe-eval'" : ""}`,
    `style-src 'self' 'nonce-${nonce}'`,
    "img-src 'self' data: blob:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    `frame-ancestors ${["'self'", ...frameAncestors].join(" ")}`,
    ...(https ? ["upgrade-insecure-requests"] : []),
  ];
  return directives.join("; ");
}

export function pageSecurityHeaders(config: Pick<Config, "appUrl" | "portalFrameAncestors" | "nodeEnv">, nonce: string): Record<string, string> {
  const https = config.appUrl.startsWith("https://");
  const headers: Record<string, string> = {
    "Content-Security-Policy": contentSecurityPolicy({
      nonce,
      frameAncestors: config.portalFrameAncestors,
      https,
      dev: config.nodeEnv === "development",
    }),
  };
  // X-Frame-Options cannot name other origins; browsers that know frame-ancestors ignore it anyway.
  if (config.portalFrameAncestors.length === 0) headers["X-Frame-Options"] = "SAMEORIGIN";
  // Decided by APP_URL, never by a client's X-Forwarded-Proto.
  if (https) headers["Strict-Transport-Security"] = "max-age=31536000";
  return headers;
}
