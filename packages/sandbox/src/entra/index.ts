export { type EntraApp, generateClientSecret, MAIN_APP_NAME, MISCONFIGURED_APP_NAME } from './apps';
export { describeSandbox } from './descriptor';
export { AadError, type AadErrorBody } from './errors';
export { entraFaultBodies } from './fault-bodies';
export { createEntraService, type EntraService, type EntraServiceOptions } from './service';
export { DEFAULT_TOKEN_LIFETIME_SECONDS, tokenIssuer } from './token';
export { createTokenVerifier, type TokenVerifierOptions } from './verifier';
