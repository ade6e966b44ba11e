// One line per event: `<RFC3339 time> <LEVEL> <component> <message> key=value…`, written to a sink
// (stderr by default). No global logger: components receive one and derive children.

export type Level = 'debug' | 'info' | 'warn' | 'error';

const rank: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export type Fields = Readonly<Record<string, unknown>>;

export interface Logger {
  debug(msg: string, fields?: Fields): void;
  info(msg: string, fields?: Fields): void;
  warn(msg: string, fields?: Fields): void;
  error(msg: string, fields?: Fields): void;
  /** A logger for a sub-component: `parent/child`. */
  child(component: string): Logger;
  readonly level: Level;
}

export interface LoggerOptions {
  readonly level?: Level;
  readonly component?: string;
  readonly write?: (line: string) => void;
  readonly now?: () => Date;
}

function formatValue(v: unknown): string {
  if (v instanceof Error) return JSON.stringify(v.message);
  if (typeof v === 'string') return /^[^\s"=]+$/.test(v) ? v : JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean' || v === null || v === undefined) return String(v);
  return JSON.stringify(v);
}

export function formatLine(time: Date, level: Level, component: string, msg: string, fields?: Fields): string {
  let line = `${time.toISOString()} ${level.toUpperCase().padEnd(5)} ${component} ${msg}`;
  if (fields) for (const [k, v] of Object.entries(fields)) line += ` ${k}=${formatValue(v)}`;
  return line + '\n';
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const level = opts.level ?? 'info';
  const component = opts.component ?? 'k3ts';
  const write = opts.write ?? ((line: string) => void process.stderr.write(line));
  const now = opts.now ?? (() => new Date());
  const min = rank[level];
  const emit = (l: Level) => (msg: string, fields?: Fields) => {
    if (rank[l] >= min) write(formatLine(now(), l, component, msg, fields));
  };
  return {
    level,
    debug: emit('debug'),
    info: emit('info'),
    warn: emit('warn'),
    error: emit('error'),
    child: (name) => createLogger({ level, write, now, component: `${component}/${name}` }),
  };
}

/** A logger that drops everything (for tests that do not inspect logs). */
export function silentLogger(): Logger {
  return createLogger({ level: 'error', write: () => undefined });
}
