import { describe, expect, it } from "vitest";
import { loadConfig } from "../../lib/config";
import { contentSecurityPolicy, pageSecurityHeaders } from "../../lib/web/security-headers";

const directives = (csp: string) => Object.fromEntries(csp.split("; ").map((d) => [d.split(" ")[0], d.split(" ").slice(1).join(" ")]));

describe("pageSecurityHeaders", () => {
  it("allows only this response's nonce to run scripts, with no unsafe-inline or eval in production", () => {
    const csp = directives(pageSecurityHeaders(loadConfig({}), "bm9uY2U=")["Content-Security-Policy"]!);
    expect(csp["script-src"]).toBe("'self' 'nonce-bm9uY2U=' 'strict-dynamic'");
    expect(csp["style-src"]).toBe("'self' 'nonce-bm9uY2U='");
    expect(Object.values(csp).join(" ")).not.toMatch(/unsafe-inline|unsafe-eval/);
    expect(csp["object-src"]).toBe("'none'");
    expect(csp["base-uri"]).toBe("'self'");
    expect(csp["form-action"]).toBe("'self'");
  });

  it("lets only this origin frame the pages when PORTAL_FRAME_ANCESTORS is unset", () => {
    const headers = pageSecurityHeaders(loadConfig({}), "n");
    expect(directives(headers["Content-Security-Policy"]!)["frame-ancestors"]).toBe("'self'");
    expect(headers["X-Frame-Options"]).toBe("SAMEORIGIN");
  });

  it("adds the PORTAL_FRAME_ANCESTORS origins, and drops X-Frame-Options, which cannot name them", () => {
    const headers = pageSecurityHeaders(loadConfig({ PORTAL_FRAME_ANCESTORS: "https://app.example.com  https://*.customer.example:8443" }), "n");
    expect(directives(headers["Content-Security-Policy"]!)["frame-ancestors"]).toBe("'self' https://app.example.com https://*.customer.example:8443");
    expect(headers["X-Frame-Options"]).toBeUndefined();
  });

  it("sends HSTS and upgrades requests only when APP_URL is https", () => {
    const plain = pageSecurityHeaders(loadConfig({ APP_URL: "http://localhost:3000" }), "n");
    expect(plain["Strict-Transport-Security"]).toBeUndefined();
    expect(plain["Content-Security-Policy"]).not.toContain("upgrade-insecure-requests");
    const tls = pageSecurityHeaders(loadConfig({ APP_URL: "https://tributary.example.com" }), "n");
    expect(tls["Strict-Transport-Security"]).toBe("max-age=31536000");
    expect(tls["Content-Security-Policy"]).toContain("upgrade-insecure-requests");
  });

  it("allows eval only in development, where React's error overlays need it", () => {
    expect(contentSecurityPolicy({ nonce: "n", frameAncestors: [], https: false, dev: true })).toContain("'unsafe-eval'");
  });
});
