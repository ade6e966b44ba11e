// Declarative flag schemas. One schema per command; commander options, config-file keys, env
// vars, help text and the typed result are all derived from it.

export type FlagType = 'string' | 'bool' | 'int' | 'list';

export interface FlagSpec {
  /** The flag name as users type it (`data-dir`); also the config-file key. */
  readonly flag: string;
  readonly short?: string;
  readonly type: FlagType;
  /** Environment variable read when neither the command line nor a config file set the flag. */
  readonly env?: string;
  readonly default?: string | number | boolean | readonly string[];
  readonly description: string;
  readonly choices?: readonly string[];
  /** Value placeholder in help (`<dir>`). */
  readonly arg?: string;
  readonly hidden?: boolean;
}

export type FlagSchema = Readonly<Record<string, FlagSpec>>;

type ValueOf<S extends FlagSpec> = S['type'] extends 'bool'
  ? boolean
  : S['type'] extends 'int'
    ? number
    : S['type'] extends 'list'
      ? readonly string[]
      : S extends { default: string }
        ? string
        : string | undefined;

/** The typed, frozen result of resolving a schema. */
export type FlagValues<T extends FlagSchema> = { readonly [K in keyof T]: ValueOf<T[K]> };

/** Where each value came from (for `--debug` and for tests). */
export type FlagSource = 'cli' | 'config' | 'env' | 'default';

export function defineFlags<const T extends FlagSchema>(schema: T): T {
  return Object.freeze(schema);
}
