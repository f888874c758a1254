// Values the global setup hands to tests through vitest's provide/inject.
declare module 'vitest' {
  export interface ProvidedContext {
    /** Admin URL of the test server (a database the tests may create databases from). */
    mlcAdminUrl: string;
    /** Migrated template database to clone per test. */
    mlcTemplate: string;
  }
}

export {};
