// The node lifecycle settings among K3s-style `--kube-controller-manager-arg` values:
// `node-monitor-grace-period=<duration>` and `node-startup-grace-period=<duration>` (Go duration
// text such as `40s`, `1m30s`, `500ms`, with or without leading dashes). Other values are returned
// as unsupported so the server can say it ignores them.
import type { NodeLifecycleOptions } from './node-lifecycle-controller';

export interface ControllerManagerArgs {
  readonly nodeLifecycle: NodeLifecycleOptions;
  /** Values k3ts does not understand (the caller warns about them). */
  readonly unsupported: readonly string[];
}

const UNIT_MS: Readonly<Record<string, number>> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Go's time.ParseDuration text → milliseconds; throws on anything else (negative values included). */
export function goDurationMs(text: string): number {
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/y;
  let total = 0;
  let at = 0;
  if (text === '0') return 0;
  while (at < text.length) {
    re.lastIndex = at;
    const m = re.exec(text);
    if (!m) break;
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
    at = re.lastIndex;
  }
  if (text === '' || at !== text.length) throw new Error(`${JSON.stringify(text)} is not a duration: expected e.g. 40s, 1m30s or 500ms`);
  return total;
}

const DURATION_FLAGS: Readonly<Record<string, keyof NodeLifecycleOptions>> = {
  'node-monitor-grace-period': 'nodeMonitorGracePeriodMs',
  'node-startup-grace-period': 'nodeStartupGracePeriodMs',
};

/** Reads the values of repeated `--kube-controller-manager-arg`; throws on a malformed duration. */
export function controllerManagerArgs(args: readonly string[]): ControllerManagerArgs {
  const nodeLifecycle: { -readonly [K in keyof NodeLifecycleOptions]: NodeLifecycleOptions[K] } = {};
  const unsupported: string[] = [];
  for (const a of args) {
    const m = /^-{0,2}([^=]+)=(.*)$/.exec(a);
    const field = m ? DURATION_FLAGS[m[1]!] : undefined;
    if (!m || !field) {
      unsupported.push(a);
      continue;
    }
    let ms: number;
    try {
      ms = goDurationMs(m[2]!);
    } catch (e) {
      throw new Error(`invalid --kube-controller-manager-arg ${a}: ${(e as Error).message}`);
    }
    if (ms <= 0) throw new Error(`invalid --kube-controller-manager-arg ${a}: expected a positive duration`);
    nodeLifecycle[field] = ms;
  }
  return { nodeLifecycle: Object.freeze(nodeLifecycle), unsupported };
}
