// pkg/scheduler public surface: the scheduler, its configuration, the plugin framework and registry.
export { Scheduler, type SchedulerOptions, type SchedulerStats } from './scheduler';
export { SchedulerError, type SchedulerErrorCode } from './errors';
export {
  CONFIG_API_VERSION,
  DEFAULT_PLUGINS,
  DEFAULT_SCHEDULER_NAME,
  defaultSchedulerConfig,
  parseSchedulerConfig,
  schedulerConfigFrom,
  type ProfileConfig,
  type SchedulerConfig,
} from './config/scheduler-config';
export { builtinRegistry, pluginPoints, type Registry, type RegistryEntry } from './plugins/registry';
export { Code, Status, type StatusCode } from './framework/status';
export { CycleState, stateKey, type StateKey } from './framework/cycle-state';
export type * from './framework/interfaces';
export { NodeInfo } from './framework/node-info';
export { PodInfo } from './framework/pod-info';
export { fitErrorMessage, FitError, Diagnosis } from './framework/fit-error';
