export { type JobCatalog, type JobDefinition, type JobName, type JobPayload, jobCatalog } from './catalog';
export { isPermanent, PermanentJobError } from './errors';
export {
  type BatchOutcome,
  createJobQueue,
  type EnqueueItem,
  type EnqueueOptions,
  type JobBatchHandler,
  type JobHandler,
  type JobHandlers,
  type JobInfo,
  type JobQueue,
  type JobQueueOptions,
  QUEUE_SETUP_LOCK_KEY,
} from './queue';
export { JOBS_CHANNEL, listenForJobs } from './wakeups';
