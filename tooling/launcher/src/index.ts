export { type RunOptions, run } from './run';
export { type ProductPorts, productServices } from './services';
export { TestTally } from './summary';
export { type ServiceSpec, type Supervisor, supervise } from './supervisor';
