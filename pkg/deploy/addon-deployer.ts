// The addon deployer's loop: every `pollMs` (2 s), and ~100 ms after the manifests directory
// changes (fs.watch, when the platform offers it), apply each manifest file whose checksum differs
// from the one last applied; a file that failed is retried with backoff (2 s doubling to 1 min) or
// as soon as it changes. Disabled addons are removed first, and retried until they are gone.
// Deleting a file leaves its objects and Addon in place, as in K3s: disable or delete them instead.
import * as fs from 'node:fs';
import { sleep, type Clock } from '../client/clock';
import { applyManifest, undeployAddon, type ApplyDeps } from './apply-manifest';
import { manifestChecksum } from './manifest-file';
import { scanManifests } from './scan-manifests';

export interface AddonDeployerConfig {
  readonly manifestsDir: string;
  /** Addons whose objects and Addon are deleted (disabled ones). */
  readonly undeploy: readonly string[];
  readonly pollMs?: number;
  readonly maxRetryMs?: number;
}

interface FileState {
  readonly checksum: string;
  readonly ok: boolean;
  readonly failures: number;
  readonly retryAt: number;
}

export interface AddonDeployerDeps extends ApplyDeps {
  readonly clock: Clock;
}

/** Runs until `signal` aborts. */
export async function runAddonDeployer(cfg: AddonDeployerConfig, deps: AddonDeployerDeps, signal: AbortSignal): Promise<void> {
  const pollMs = cfg.pollMs ?? 2000;
  const maxRetryMs = cfg.maxRetryMs ?? 60_000;
  const pendingUndeploy = new Set(cfg.undeploy);
  const states = new Map<string, FileState>();
  const reported = new Set<string>();
  let wake: (() => void) | undefined;
  // A change seen while a pass runs: the next pass starts without waiting for the poll.
  let dirty = false;
  let watcher: fs.FSWatcher | undefined;
  try {
    watcher = fs.watch(cfg.manifestsDir, { persistent: false }, () => {
      dirty = true;
      wake?.();
    });
    watcher.on('error', () => watcher?.close());
  } catch {
    deps.log.info('cannot watch the manifests directory; polling it', { dir: cfg.manifestsDir, everyMs: pollMs });
  }

  const reportOnce = (key: string, msg: string, fields: Record<string, unknown>) => {
    if (reported.has(key)) return;
    reported.add(key);
    deps.log.info(msg, fields);
  };

  async function pass(): Promise<void> {
    for (const name of [...pendingUndeploy]) {
      if (await undeployAddon(deps, name, signal)) pendingUndeploy.delete(name);
    }
    const scan = scanManifests(cfg.manifestsDir);
    for (const rel of scan.skipped) reportOnce(`skip|${rel}`, 'skipping a manifest: a .skip file names it', { file: rel });
    for (const rel of scan.duplicates) reportOnce(`dup|${rel}`, 'ignoring a manifest whose Addon name another file already has', { file: rel });
    for (const entry of scan.entries) {
      if (signal.aborted) return;
      let text: string;
      try {
        text = fs.readFileSync(entry.file, 'utf8');
      } catch {
        continue; // removed since the scan
      }
      const checksum = manifestChecksum(text);
      const prior = states.get(entry.addon);
      if (prior?.checksum === checksum && (prior.ok || deps.clock.now() < prior.retryAt)) continue;
      const failures = prior && !prior.ok && prior.checksum === checksum ? prior.failures : 0;
      const outcome = await applyManifest(deps, { addon: entry.addon, file: entry.file, text, checksum }, signal);
      if (outcome.ok) {
        deps.log.info('applied manifest', { addon: entry.addon, file: entry.rel, objects: outcome.applied.length, pruned: outcome.pruned.length });
        states.set(entry.addon, { checksum, ok: true, failures: 0, retryAt: 0 });
      } else {
        const delay = Math.min(maxRetryMs, pollMs * 2 ** failures);
        deps.log.warn('could not apply manifest', { addon: entry.addon, file: entry.rel, error: outcome.error, retryInMs: delay });
        states.set(entry.addon, { checksum, ok: false, failures: failures + 1, retryAt: deps.clock.now() + delay });
      }
    }
  }

  try {
    while (!signal.aborted) {
      dirty = false;
      try {
        await pass();
      } catch (e) {
        if (signal.aborted) break;
        deps.log.warn('addon deployer pass failed; retrying', { error: (e as Error).message });
      }
      const woken = new AbortController();
      const stop = () => woken.abort();
      signal.addEventListener('abort', stop, { once: true });
      wake = () => {
        wake = undefined;
        // Let the writer finish (editors write, rename, chmod) before reading.
        deps.clock.setTimeout(stop, 100);
      };
      if (dirty) wake();
      await sleep(deps.clock, pollMs, woken.signal);
      signal.removeEventListener('abort', stop);
      wake = undefined;
    }
  } finally {
    watcher?.close();
  }
}
