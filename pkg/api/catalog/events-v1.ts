// events.k8s.io/v1: the same objects as core/v1 events (same key space and lifetime), another shape.
import type { ResourceDef } from '../resource-def';
import { EVENT_TTL_SECONDS } from './core-v1';
import { defineResource } from './define';
import { eventsV1Strategy } from './strategies/event';

export const eventsV1: readonly ResourceDef[] = Object.freeze([
  defineResource({
    group: 'events.k8s.io',
    version: 'v1',
    kind: 'Event',
    resource: 'events',
    singular: 'event',
    namespaced: true,
    shortNames: ['ev'],
    strategy: eventsV1Strategy,
    storageResource: 'events',
    ttlSeconds: EVENT_TTL_SECONDS,
  }),
]);
