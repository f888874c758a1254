import { z } from 'zod';

const credentials = z.object({
  url: z.string().url(),
  clientId: z.string().min(1),
  clientSecret: z.string().min(1),
});

/**
 * `.sandbox/sandbox.json`, written by the sandbox when it is ready: where each simulator listens,
 * the CA that signed their certificates, and the app registration to use. The portal's "Use the
 * sandbox" button and the tests read it.
 */
export const sandboxDescriptorSchema = z.object({
  caCertPath: z.string().min(1),
  entra: z.object({ authorityHost: z.string().url(), tenantId: z.string().min(1) }),
  sales: credentials,
  fno: credentials.extend({ legalEntities: z.array(z.string().min(1)).default([]) }).optional(),
});

export type SandboxDescriptor = z.infer<typeof sandboxDescriptorSchema>;
