// Next.js ambient types (CSS and image imports, `next` globals) for `tsc` on a clean checkout.
// `next dev`/`next build` also generate the git-ignored `next-env.d.ts` with the same references.
/// <reference types="next" />
/// <reference types="next/image-types/global" />

declare namespace NodeJS {
  interface ProcessEnv {
    /** Replaced by Next.js at build time in the code it compiles for each runtime. */
    readonly NEXT_RUNTIME?: 'nodejs' | 'edge';
  }
}
