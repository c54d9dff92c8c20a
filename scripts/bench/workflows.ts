// What the benchmark worker runs: every production workflow, plus the no-I/O ceiling.
export * from '../../src/workflows';
export { ceilingBuild } from './ceiling-workflow';
