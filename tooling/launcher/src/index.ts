export { run } from './run';
export { type ProductPorts, productServices } from './services';
export { type ServiceSpec, type Supervisor, supervise } from './supervisor';
