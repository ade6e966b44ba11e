// The scheduler inside `k3ts server` (unless --disable-scheduler): a client of the server's own API
// with the system:kube-scheduler client certificate, campaigning for the kube-system Lease
// `kube-scheduler` (upstream's default lock, the one the bootstrap RBAC role lets the scheduler
// renew) so that among several servers only one schedules. A KubeSchedulerConfiguration file
// comes from `--kube-scheduler-arg=config=<file>` (upstream's --config); its leaderElection
// section can rename the lease or turn election off.
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { RestClient, systemClock, type Clock } from '../client';
import { componentTransport, type LoopbackConnector } from './component-transport';
import { LeaderElector } from '../controller';
import type { Logger } from '../log/logger';
import { builtinRegistry, defaultSchedulerConfig, parseSchedulerConfig, pluginPoints, Scheduler, type SchedulerConfig } from '../scheduler';

export interface SchedulerServiceConfig {
  /** server/tls: server-ca.crt and client-scheduler.crt/.key are read from here. */
  readonly tlsDir: string;
  /** `https://127.0.0.1:6443`: where this server's API answers locally. */
  readonly apiServer: string;
  /** holderIdentity in the Lease. */
  readonly identity: string;
  /** KubeSchedulerConfiguration file (YAML or JSON). */
  readonly configFile?: string;
  /** The API server's in-process connections, when it runs in this process. */
  readonly loopback?: LoopbackConnector;
}

export interface RunningScheduler {
  readonly identity: string;
  readonly config: SchedulerConfig;
  isLeader(): boolean;
  stop(): Promise<void>;
}

/** Scheduler settings from --kube-scheduler-arg values (`config=<file>`; others are not supported yet). */
export function schedulerArgs(args: readonly string[]): { configFile?: string; unsupported: string[] } {
  let configFile: string | undefined;
  const unsupported: string[] = [];
  for (const a of args) {
    const m = /^-{0,2}([^=]+)=(.*)$/.exec(a);
    if (m && m[1] === 'config') configFile = m[2];
    else unsupported.push(a);
  }
  return { ...(configFile !== undefined ? { configFile } : {}), unsupported };
}

export async function loadSchedulerConfig(file: string | undefined): Promise<SchedulerConfig> {
  const points = pluginPoints(builtinRegistry());
  if (!file) return defaultSchedulerConfig(points);
  return parseSchedulerConfig(await readFile(file, 'utf8'), points, file);
}

export async function startScheduler(cfg: SchedulerServiceConfig, log: Logger, clock: Clock = systemClock): Promise<RunningScheduler> {
  const config = await loadSchedulerConfig(cfg.configFile);
  const [caPem, certPem, keyPem] = await Promise.all(['server-ca.crt', 'client-scheduler.crt', 'client-scheduler.key'].map((f) => readFile(join(cfg.tlsDir, f), 'utf8')));
  const client = new RestClient({ transport: componentTransport({ apiServer: cfg.apiServer, caPem, certPem, keyPem }, cfg.loopback), userAgent: 'kube-scheduler' });
  const instance = `${config.profiles[0]!.schedulerName}-${hostname()}`;
  const schedule = (signal: AbortSignal) => new Scheduler({ client, clock, log, config, instance }).run(signal);
  const abort = new AbortController();
  const le = config.leaderElection;
  let elector: LeaderElector | undefined;
  let running: Promise<void>;
  if (le.leaderElect) {
    elector = new LeaderElector({
      client,
      clock,
      log: log.child('leader-election'),
      namespace: le.resourceNamespace,
      name: le.resourceName,
      identity: cfg.identity,
      leaseDurationMs: le.leaseDurationMs,
      renewDeadlineMs: le.renewDeadlineMs,
      retryPeriodMs: le.retryPeriodMs,
    });
    log.info('scheduler campaigning for leadership', { lease: `${le.resourceNamespace}/${le.resourceName}`, identity: cfg.identity, config: cfg.configFile ?? 'default' });
    running = elector.run(abort.signal, {
      onStartedLeading: schedule,
      onNewLeader: (id) => {
        if (id !== cfg.identity) log.info('another server leads the scheduler', { leader: id });
      },
    });
  } else {
    log.info('scheduler running without leader election', { config: cfg.configFile ?? 'default' });
    running = schedule(abort.signal).catch((e: unknown) => log.error('scheduler stopped with an error', { error: e instanceof Error ? (e.stack ?? e.message) : String(e) }));
  }
  return {
    identity: cfg.identity,
    config,
    isLeader: () => elector?.isLeader() ?? true,
    async stop() {
      abort.abort();
      await running;
      client.close();
    },
  };
}
