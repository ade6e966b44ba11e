// pkg/controller public surface: work queue, rate limiters, the reconcile loop, the controller
// manager and leader election.
export { QueueController, waitForCaches, type Controller, type ControllerContext, type ControllerFactory, type QueueControllerConfig } from './controller';
export { ControllerManager, type ControllerManagerConfig } from './controller-manager';
export { runController, type Reconcile, type ReconcileResult, type ControllerRunnerConfig } from './controller-runner';
export { ControllerError, type ControllerErrorCode } from './errors';
export { LeaderElector, microTime, type LeaderCallbacks, type LeaderElectionConfig } from './leader-election';
export { BucketRateLimiter, ItemExponentialRateLimiter, MaxOfRateLimiter, defaultControllerRateLimiter, type RateLimiter } from './rate-limiter';
export { Expectations } from './expectations';
export { WorkQueue, type QueueItem } from './work-queue';
