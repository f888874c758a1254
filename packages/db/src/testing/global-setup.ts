import type { TestProject } from 'vitest/node';
import { ensureDatabase } from '../database';
import { prepareTemplate } from './template';
import './provided';

/**
 * vitest globalSetup for integration tests: a real PostgreSQL (`DATABASE_URL`, else the embedded
 * one), migrated once into a template database that every test clones.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const database = await ensureDatabase({ databaseUrl: process.env['DATABASE_URL'] });
  const template = await prepareTemplate(database.url);
  project.provide('mlcAdminUrl', database.url);
  project.provide('mlcTemplate', template);
  return () => database.stop();
}
