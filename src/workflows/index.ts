// Every workflow the worker runs. One workflow per file; this index is what the bundler loads.
export { buildService } from './buildService';
