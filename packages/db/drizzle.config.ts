import { defineConfig } from 'drizzle-kit';

// `npm run generate -w @mlc/db` writes a new SQL migration under drizzle/ from the schema.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/schema/index.ts',
  out: './drizzle',
  strict: true,
});
