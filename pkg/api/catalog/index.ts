// pkg/api/catalog public surface: the served resources, their strategies and the Catalog lookups.
export { BUILTIN_MODULES, Catalog, compareVersionPriority, createBuiltinCatalog, groupVersionString, type GroupInfo, type SubresourceMatch } from './catalog';
export { CatalogError, isCatalogError, type CatalogErrorCode } from './errors';
export { NAMESPACE_VERBS, PROXY_VERBS, actionSubresource, defineResource, scaleSubresource, statusSubresource, updateSubresource, type ResourceInput } from './define';
export { appsV1 } from './apps-v1';
export { authenticationV1 } from './authentication-v1';
export { authorizationV1 } from './authorization-v1';
export { batchV1 } from './batch-v1';
export { coordinationV1 } from './coordination-v1';
export { EVENT_TTL_SECONDS, coreV1 } from './core-v1';
export { discoveryV1 } from './discovery-v1';
export { eventsV1 } from './events-v1';
export { rbacV1 } from './rbac-v1';
export { RBAC_GROUP, validatePolicyRule } from './strategies/rbac';
export { defaultPodSpec, defaultPodTemplate, defaultPullPolicy, imageTag } from './defaults/pod-defaults';
export { eventFromCoreV1, eventToCoreV1 } from './strategies/event';
export { JOB_CONTROLLER_UID_LABEL, JOB_NAME_LABEL, LEGACY_CONTROLLER_UID_LABEL, LEGACY_JOB_NAME_LABEL } from './strategies/job';
export { computePodQOS, type QOSClass } from './strategies/pod-qos';
export { toScale } from './strategies/scale';
