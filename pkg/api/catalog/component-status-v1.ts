// v1 componentstatuses: read-only, computed on each request from the embedded components (the
// datastore, the controller manager, the scheduler) by the handler the server registers for
// `/componentstatuses`; nothing is stored.
import type { ResourceDef } from '../resource-def';
import { defineResource } from './define';

export const componentStatusV1: readonly ResourceDef[] = Object.freeze([
  defineResource({ group: '', version: 'v1', kind: 'ComponentStatus', resource: 'componentstatuses', singular: 'componentstatus', namespaced: false, shortNames: ['cs'], verbs: ['get', 'list'], strategy: Object.freeze({}) }),
]);
