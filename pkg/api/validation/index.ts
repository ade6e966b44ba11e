// pkg/api/validation public surface: field errors and the reusable validators strategies use.
export * from './errors';
export * from './fields';
export * from './ip';
export * from './labels';
export * from './names';
export * from './object-meta';
export * from './pod-spec';
export * from './ports';
export * from './quantity';
export * from './resources';
export { validateContainer, validateProbe, validateSecurityContext, type ContainerContext, type ContainerKind } from './containers';
export { cronScheduleProblem, isValidTimeZone, parseGoDuration } from './cron';
export { validateVolumes, validateVolumeSource, VOLUME_SOURCES } from './volumes';
export { asArray, asObject, asString, semanticEqual, isZero } from './json';
