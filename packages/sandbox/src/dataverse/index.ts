export { DataverseError, ErrorCode } from './errors';
export { metadata } from './metadata/registry';
export { applicationUserId } from './seed/app-users';
export { DEFAULT_SEED, type SeedFacts, type SeedSize, seedFacts } from './seed/seed';
export {
  createDataverseService,
  type DataverseService,
  type DataverseServiceOptions,
  type DataverseStats,
} from './service';
