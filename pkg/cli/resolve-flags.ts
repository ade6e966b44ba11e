// Resolve a flag schema from its four sources. Precedence (as K3s): command line > config file >
// environment > default. Values are coerced to the schema's types and frozen.
import type { ConfigEntry } from './config-file';
import { CliError } from './errors';
import type { FlagSchema, FlagSource, FlagSpec, FlagValues } from './flag-spec';

export interface FlagSources {
  /** Values the user typed, keyed by schema key (commander's camelCase attribute). */
  readonly cli: ReadonlyMap<string, unknown>;
  /** Config-file entries keyed by flag name. */
  readonly config: ReadonlyMap<string, ConfigEntry>;
  readonly env: Readonly<Record<string, string | undefined>>;
}

export interface Resolved<T extends FlagSchema> {
  readonly values: FlagValues<T>;
  readonly sources: Readonly<Record<keyof T, FlagSource>>;
}

function coerce(spec: FlagSpec, raw: unknown, origin: string): string | number | boolean | readonly string[] {
  const bad = (expected: string): never => {
    throw new CliError('invalid-value', `invalid value ${JSON.stringify(raw)} for --${spec.flag} (${origin}): expected ${expected}`);
  };
  switch (spec.type) {
    case 'bool': {
      if (typeof raw === 'boolean') return raw;
      const s = String(raw).toLowerCase();
      if (s === 'true' || s === '1') return true;
      if (s === 'false' || s === '0' || s === '') return false;
      return bad('true or false');
    }
    case 'int': {
      if (Array.isArray(raw)) return bad('an integer');
      const n = typeof raw === 'number' ? raw : /^-?\d+$/.test(String(raw).trim()) ? Number(String(raw).trim()) : NaN;
      return Number.isSafeInteger(n) ? n : bad('an integer');
    }
    case 'list': {
      if (Array.isArray(raw)) return raw.map(String);
      if (origin === 'environment') return String(raw).split(',').map((s) => s.trim()).filter(Boolean);
      return [String(raw)];
    }
    case 'string': {
      if (Array.isArray(raw) || typeof raw === 'object') return bad('a single value');
      const s = String(raw);
      if (spec.choices && !spec.choices.includes(s)) return bad(`one of ${spec.choices.join(', ')}`);
      return s;
    }
  }
}

function defaultOf(spec: FlagSpec): string | number | boolean | readonly string[] | undefined {
  if (spec.default !== undefined) return spec.default;
  if (spec.type === 'bool') return false;
  if (spec.type === 'list') return [];
  return undefined;
}

export function resolveFlags<T extends FlagSchema>(schema: T, sources: FlagSources): Resolved<T> {
  const values: Record<string, unknown> = {};
  const from: Record<string, FlagSource> = {};
  for (const [key, spec] of Object.entries(schema)) {
    const envValue = spec.env ? sources.env[spec.env] : undefined;
    const cfg = sources.config.get(spec.flag);
    if (sources.cli.has(key) && sources.cli.get(key) !== undefined) {
      values[key] = coerce(spec, sources.cli.get(key), 'command line');
      from[key] = 'cli';
    } else if (cfg) {
      values[key] = coerce(spec, cfg.value, `config file ${cfg.file}`);
      from[key] = 'config';
    } else if (envValue !== undefined && envValue !== '') {
      values[key] = coerce(spec, envValue, 'environment');
      from[key] = 'env';
    } else {
      values[key] = defaultOf(spec);
      from[key] = 'default';
    }
    if (Array.isArray(values[key])) values[key] = Object.freeze([...(values[key] as string[])]);
  }
  return { values: Object.freeze(values) as FlagValues<T>, sources: Object.freeze(from) as Record<keyof T, FlagSource> };
}
