// Test helpers for connector tests (and the worker's): never imported by runtime code.
export { ManualClock, settle } from './manual-clock';
