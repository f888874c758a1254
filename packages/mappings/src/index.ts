export { err, MappingError, type MappingErrorCode, ok, type Result } from './errors';
export { parseSource } from './parse';
