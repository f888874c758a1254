import path from 'node:path';
import type { NextConfig } from 'next';

const nextConfig: NextConfig = {
  // Workspace packages are consumed as TypeScript source.
  transpilePackages: ['@mlc/db', '@mlc/logger'],
  // The monorepo root (one lockfile for every workspace), so file tracing does not have to guess.
  outputFileTracingRoot: path.join(import.meta.dirname, '..', '..'),
  poweredByHeader: false,
  reactStrictMode: true,
  typedRoutes: false,
};

export default nextConfig;
