export type { ActivityGenerator, ActivityStatus, ActivityStep } from './activity/generator';
export type { SalesMessages, WinOpportunityRequest } from './activity/sales-messages';
export {
  type ActivityInput,
  type ActivityKind,
  DEFAULT_MIX as DEFAULT_ACTIVITY_MIX,
} from './activity/settings';
export { DataverseError, ErrorCode } from './errors';
export type { Admission, AdmissionRequest, ServiceProtection } from './extensions/service-protection';
export {
  BURST_REMAINING_HEADER,
  createServiceProtection,
  type DataverseServiceProtection,
  type ServiceProtectionOptions,
  TIME_REMAINING_HEADER,
} from './limits/protection';
export { DEFAULT_LIMITS, type LimitsInput, type LimitsSettings, type LimitsUsage } from './limits/settings';
export { metadata } from './metadata/registry';
export { applicationUserId } from './seed/app-users';
export { DEFAULT_SEED, type SeedFacts, type SeedSize, seedFacts } from './seed/seed';
export {
  createDataverseService,
  type DataverseService,
  type DataverseServiceOptions,
  type DataverseStats,
} from './service';
export type { WebhookOptions } from './webhooks/dispatcher';
