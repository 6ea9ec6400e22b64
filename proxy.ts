import crypto from "node:crypto";
import { type NextRequest, NextResponse } from "next/server";
import { getConfig } from "@/lib/config";
import { pageSecurityHeaders } from "@/lib/web/security-headers";

// Every page gets a Content-Security-Policy with a fresh nonce. Next.js finds the nonce in the
// request's Content-Security-Policy header and adds it to the scripts it renders.
export function proxy(request: NextRequest) {
  const nonce = crypto.randomBytes(16).toString("base64");
  const headers = pageSecurityHeaders(getConfig(), nonce);
  const forwarded = new Headers(request.headers);
  forwarded.set("content-security-policy", headers["Content-Security-Policy"]!);
  const response = NextResponse.next({ request: { headers: forwarded } });
  for (const [name, value] of Object.entries(headers)) response.headers.set(name, value);
  return response;
}

export const config = {
  matcher: [
    {
      // API routes and build assets are not documents; prefetches are not either.
      source: "/((?!api/|_next/static|_next/image|favicon.ico).*)",
      missing: [
        { type: "header", key: "next-router-prefetch" },
        { type: "header", key: "purpose", value: "prefetch" },
      ],
    },
  ],
};
