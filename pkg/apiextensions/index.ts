export { serveCustomResources, type CustomResourceServing } from './serve-custom-resources';
export { CustomResources } from './custom-resources';
export { crdStrategy, crdStatusStrategy } from './crd-strategy';
export { CLEANUP_FINALIZER, type CustomResourceDefinition, type JSONSchemaProps } from './types';
