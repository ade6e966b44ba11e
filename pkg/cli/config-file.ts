// The K3s-style config file: `config.yaml` plus `config.yaml.d/*.yaml` drop-ins (sorted by name).
// Keys are flag names; a list value stands for a repeated flag; `key+` appends to what earlier
// files set instead of replacing it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { CliError } from './errors';

export type ConfigValue = string | number | boolean | readonly string[];

export interface ConfigEntry {
  readonly value: ConfigValue;
  /** The file that last set (or appended to) the key. */
  readonly file: string;
}

export interface ConfigFileSet {
  readonly files: readonly string[];
  readonly entries: ReadonlyMap<string, ConfigEntry>;
}

export interface LoadConfigOptions {
  readonly file: string;
  /** When false, a missing `file` is an error (the user named it explicitly). */
  readonly optional: boolean;
  /** Every key any k3ts command understands; anything else is rejected. */
  readonly knownKeys: ReadonlySet<string>;
}

function readYamlMapping(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new CliError('config-file', `cannot read config file ${file}: ${(e as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new CliError('config-file', `config file ${file} is not valid YAML: ${(e as Error).message}`);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw new CliError('config-file', `config file ${file} must be a mapping of flag names to values`);
  }
  return doc as Record<string, unknown>;
}

function toConfigValue(file: string, key: string, raw: unknown): ConfigValue {
  if (typeof raw === 'string' || typeof raw === 'number' || typeof raw === 'boolean') return raw;
  if (Array.isArray(raw) && raw.every((v) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')) {
    return raw.map(String);
  }
  throw new CliError('invalid-value', `config file ${file}: key "${key}" must be a string, number, boolean or list of those`);
}

function asList(v: ConfigValue): readonly string[] {
  return Array.isArray(v) ? v : [String(v)];
}

function dropInFiles(file: string): string[] {
  const dir = `${file}.d`;
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  return names.filter((n) => n.endsWith('.yaml') || n.endsWith('.yml')).sort().map((n) => path.join(dir, n));
}

export function loadConfigFiles(opts: LoadConfigOptions): ConfigFileSet {
  const files: string[] = [];
  if (fs.existsSync(opts.file)) files.push(opts.file);
  else if (!opts.optional) throw new CliError('config-file', `config file ${opts.file} does not exist`);
  files.push(...dropInFiles(opts.file));

  const entries = new Map<string, ConfigEntry>();
  const unknown: string[] = [];
  for (const file of files) {
    for (const [rawKey, raw] of Object.entries(readYamlMapping(file))) {
      const append = rawKey.endsWith('+');
      const key = append ? rawKey.slice(0, -1) : rawKey;
      if (!opts.knownKeys.has(key)) {
        unknown.push(`"${rawKey}" (${file})`);
        continue;
      }
      const value = toConfigValue(file, rawKey, raw);
      const prev = entries.get(key);
      entries.set(key, { value: append && prev ? [...asList(prev.value), ...asList(value)] : value, file });
    }
  }
  if (unknown.length > 0) {
    throw new CliError('unknown-config-key', `unknown config file key${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}: keys must be k3ts flag names such as "data-dir" or "tls-san"`);
  }
  return { files, entries };
}
