/**
 * `@mlc/portal/testing`: what the portal's own tests and the soak (`soak/`) share to attack the
 * portal: hostile-input arbitraries (fast-check), the fuzz properties of the intake and the API,
 * the judge of refusals, the secret scanner, and ways to reach the portal (the built app over
 * HTTP, or its handlers in-process). Never imported by runtime code.
 */
export { guidOf, type ValidDelivery, validBusinessEvent, validWebhook } from './deliveries';
export { type ApiFuzzOptions, type ApiFuzzResult, fuzzApi, procedures } from './fuzz-api';
export { fuzzIntake, type IntakeFuzzOptions, type IntakeFuzzResult } from './fuzz-intake';
export { hostileJson, hostileString, nastyStrings } from './hostile';
export { inProcessSend } from './in-process';
export { type Answer, answerOf, messageOf, problemWith } from './judge';
export { type CapturedPortal, startCapturedPortal } from './portal';
export { type SecretFinding, scanForSecrets } from './scan';
export { eachLimited, Findings, httpSend, type Send } from './transport';
