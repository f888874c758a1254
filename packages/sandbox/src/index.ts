export { type SandboxDescriptor, sandboxDescriptorSchema } from './descriptor';
