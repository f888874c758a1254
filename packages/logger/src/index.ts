export { type CreateLoggerOptions, createLogger, type Logger, newCorrelationId, withContext } from './logger';
export { isSecretKey, REDACTED, redact, redactString } from './redact';
