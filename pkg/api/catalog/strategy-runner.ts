// Runs a strategy the way the generic store does (defaults → prepare → validate), without
// storage. Used by tests and by anything that wants a dry evaluation of one resource's rules.
import type { ResourceDef, Strategy } from '../resource-def';
import type { FieldError, KubeObject } from '../types';
import { clone } from '../validation/json';

export interface StrategyRun {
  readonly object: KubeObject;
  readonly errors: FieldError[];
}

export interface RunOptions {
  /** metadata.uid the store would assign (default `00000000-0000-0000-0000-000000000001`). */
  readonly uid?: string;
  readonly namespace?: string;
}

/** Create: server-owned metadata, defaults, prepareForCreate, validate. The input is not mutated. */
export function runCreate(def: ResourceDef, input: KubeObject, opts: RunOptions = {}): StrategyRun {
  const obj = clone(input);
  obj.metadata ??= {};
  if (def.namespaced) obj.metadata.namespace ??= opts.namespace ?? 'default';
  obj.metadata.uid = opts.uid ?? '00000000-0000-0000-0000-000000000001';
  obj.metadata.creationTimestamp ??= '2026-01-01T00:00:00Z';
  const s = def.strategy;
  s.defaults?.(obj);
  s.prepareForCreate?.(obj);
  return { object: obj, errors: s.validate?.(obj) ?? [] };
}

/** Update of the main resource or of a subresource with its own strategy. */
export function runUpdate(def: ResourceDef, input: KubeObject, old: KubeObject, subresource?: string): StrategyRun {
  const strategy: Strategy = (subresource ? def.subresources?.find((s) => s.name === subresource)?.strategy : undefined) ?? def.strategy;
  const obj = clone(input);
  obj.metadata ??= {};
  for (const k of ['name', 'namespace', 'uid', 'creationTimestamp'] as const) if (obj.metadata[k] === undefined && old.metadata[k] !== undefined) obj.metadata[k] = old.metadata[k] as never;
  strategy.defaults?.(obj);
  strategy.prepareForUpdate?.(obj, old);
  return { object: obj, errors: [...(strategy.validate?.(obj) ?? []), ...(strategy.validateUpdate?.(obj, old) ?? [])] };
}

/** `field: detail` lines, as kubectl prints causes. */
export function describeErrors(errors: readonly FieldError[]): string[] {
  return errors.map((e) => `${e.field}: ${e.detail}`);
}
