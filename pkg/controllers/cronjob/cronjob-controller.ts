// CronJobs: at each scheduled time (in spec.timeZone, else the server's zone) create the Job
// `<cronjob>-<minutes since epoch>` from spec.jobTemplate, within startingDeadlineSeconds, as
// concurrencyPolicy allows (Forbid skips while one runs, Replace deletes the running ones);
// keep status.active, lastScheduleTime and lastSuccessfulTime, and trim finished Jobs to the
// history limits. Time comes from the injected clock; each sync asks to be woken at the next time.
import type { KubeObject } from '../../api/types';
import { asArray, asNumber, asObject, asString } from '../../api/validation/json';
import { isAlreadyExists, isNotFound } from '../../client/errors';
import { OWNER_UID_INDEX } from '../../client/indexer';
import type { ResourceRef } from '../../client/resource-ref';
import { QueueController, type Controller, type ControllerContext } from '../../controller/controller';
import type { ReconcileResult } from '../../controller/controller-runner';
import { controllerRefOf } from '../internal/pods';
import { JOBS } from '../job/job-controller';
import { finishedCondition, type Job } from '../job/job-util';
import { parseSchedule, type CronSchedule } from './cron-schedule';
import { byStartTime, cronSpec, jobFromTemplate, jobName, mostRecentScheduleTime, nextScheduleDelay, rfc3339, type CronJob } from './cronjob-util';
import { TimeZone } from './time-zone';
import { isValidTimeZone } from '../../api/validation/cron';

export const CRONJOB_CONTROLLER = 'cronjob';
export const CRONJOBS: ResourceRef = Object.freeze({ group: 'batch', version: 'v1', resource: 'cronjobs', kind: 'CronJob', namespaced: true });

export interface CronJobControllerOptions {
  /** Zone of CronJobs without spec.timeZone (default: this process's local zone, as upstream). */
  readonly defaultTimeZone?: string;
}

interface ActiveRef {
  kind?: string;
  namespace?: string;
  name?: string;
  uid?: string;
  apiVersion?: string;
  resourceVersion?: string;
}

export function cronJobController(opts: CronJobControllerOptions = {}): (ctx: ControllerContext) => Controller {
  return (ctx) => {
    const cronJobs = ctx.informers.informerFor<CronJob>(CRONJOBS);
    const jobs = ctx.informers.informerFor<Job>(JOBS);
    const cjApi = ctx.client.resource<CronJob>(CRONJOBS);
    const jobsApi = ctx.client.resource<Job>(JOBS);
    const controller = new QueueController({ name: CRONJOB_CONTROLLER, workers: 5, ctx, informers: [cronJobs, jobs], reconcile });
    const zones = new Map<string, TimeZone>();
    const zone = (name: string | undefined) => {
      const key = name ?? opts.defaultTimeZone ?? '';
      let z = zones.get(key);
      if (!z) zones.set(key, (z = new TimeZone(key || undefined)));
      return z;
    };

    const ownerOf = (j: KubeObject) => {
      const ref = controllerRefOf(j);
      if (!ref || ref.kind !== 'CronJob') return undefined;
      const cj = cronJobs.indexer.getByName(j.metadata.namespace, ref.name);
      return cj && cj.metadata.uid === ref.uid ? cj : undefined;
    };
    const enqueueOwner = (j: KubeObject) => {
      const cj = ownerOf(j);
      if (cj) controller.enqueue(cj);
    };
    cronJobs.addEventHandler({ add: (cj) => controller.enqueue(cj), update: (_o, cj) => controller.enqueue(cj) });
    jobs.addEventHandler({
      add: enqueueOwner,
      update(old, j) {
        if (JSON.stringify(controllerRefOf(old)) !== JSON.stringify(controllerRefOf(j))) enqueueOwner(old);
        enqueueOwner(j);
      },
      delete: enqueueOwner,
    });

    async function reconcile(key: string, signal: AbortSignal): Promise<ReconcileResult | void> {
      const cj = cronJobs.indexer.get(key);
      if (!cj) return;
      const st: Record<string, unknown> = structuredClone(asObject(cj.status) ?? {});
      const owned = jobs.indexer.byIndex(OWNER_UID_INDEX, String(cj.metadata.uid)).filter((j) => controllerRefOf(j)?.uid === cj.metadata.uid);
      await reconcileActive(cj, st, owned, signal);
      const result = await schedule(cj, st, owned, signal);
      await trimHistory(cj, owned, signal);
      const prev = asObject(cj.status) ?? {};
      if (JSON.stringify(normalized(st)) !== JSON.stringify(normalized(prev))) {
        try {
          await cjApi.updateStatus({ ...cj, status: normalized(st) }, { signal });
        } catch (e) {
          if (!isNotFound(e)) throw e;
        }
      }
      return result;
    }

    /** Drops finished and vanished Jobs from status.active; records the latest successful completion. */
    async function reconcileActive(cj: CronJob, st: Record<string, unknown>, owned: readonly Job[], signal: AbortSignal): Promise<void> {
      let active = activeRefs(st);
      const uids = new Set(owned.map((j) => j.metadata.uid));
      for (const j of owned) {
        const done = finishedCondition(j);
        const listed = active.some((r) => r.uid === j.metadata.uid);
        if (!done) {
          if (!listed) ctx.log.debug('a running job of this cronjob is not in its active list', { cronjob: cj.metadata.name, job: j.metadata.name });
          continue;
        }
        if (listed) active = active.filter((r) => r.uid !== j.metadata.uid);
        const completed = Date.parse(asString(asObject(j.status)?.completionTime) ?? '');
        if (done.type === 'Complete' && Number.isFinite(completed)) {
          const last = Date.parse(asString(st.lastSuccessfulTime) ?? '');
          if (!Number.isFinite(last) || completed > last) st.lastSuccessfulTime = rfc3339(completed);
        }
      }
      // A listed Job the cache does not know: gone for real only if the API agrees.
      const kept: ActiveRef[] = [];
      for (const r of active) {
        if (uids.has(r.uid)) {
          kept.push(r);
          continue;
        }
        const live = await jobsApi.get(cj.metadata.namespace, String(r.name), { signal }).catch((e: unknown) => (isNotFound(e) ? undefined : Promise.reject(e)));
        if (live && live.metadata.uid === r.uid && !finishedCondition(live)) kept.push(r);
        else ctx.log.info('a job in the active list is gone', { cronjob: cj.metadata.name, job: r.name });
      }
      st.active = kept;
    }

    /** Starts the due Job, if any; returns when to look again. */
    async function schedule(cj: CronJob, st: Record<string, unknown>, owned: readonly Job[], signal: AbortSignal): Promise<ReconcileResult | void> {
      if (cj.metadata.deletionTimestamp) return;
      const spec = cronSpec(cj);
      const tzName = asString(spec.timeZone);
      if (tzName !== undefined && !isValidTimeZone(tzName)) {
        ctx.log.warn('cronjob names an unknown time zone; not scheduling it', { cronjob: cj.metadata.name, timeZone: tzName });
        return;
      }
      if (spec.suspend === true) return;
      let sched: CronSchedule;
      try {
        sched = parseSchedule(asString(spec.schedule) ?? '');
      } catch (e) {
        ctx.log.warn('cronjob schedule does not parse; not scheduling it', { cronjob: cj.metadata.name, error: e });
        return;
      }
      const tz = zone(tzName);
      const now = ctx.clock.now();
      const view = { ...cj, status: st };
      const again = (): ReconcileResult | void => {
        const ms = nextScheduleDelay(view, ctx.clock.now(), sched, tz);
        return ms === undefined ? undefined : { requeueAfterMs: ms };
      };
      const due = mostRecentScheduleTime(view, now, sched, tz, true);
      if (!due) return again();
      if (due.missed > 100) ctx.log.warn('cronjob missed too many start times; check the clock', { cronjob: cj.metadata.name, missed: due.missed });
      const sds = asNumber(spec.startingDeadlineSeconds);
      if (sds !== undefined && due.at + sds * 1000 < now) {
        ctx.log.info('missed a scheduled time past its starting deadline', { cronjob: cj.metadata.name, scheduled: rfc3339(due.at) });
        return again();
      }
      const name = jobName(cj, due.at);
      const active = activeRefs(st);
      if (active.some((r) => r.name === name) || Date.parse(asString(st.lastScheduleTime) ?? '') === due.at) return again();
      const policy = asString(spec.concurrencyPolicy) ?? 'Allow';
      if (policy === 'Forbid' && active.length > 0) {
        ctx.log.debug('not starting a job while the previous one runs (concurrencyPolicy Forbid)', { cronjob: cj.metadata.name });
        return again();
      }
      if (policy === 'Replace') {
        for (const r of active) {
          try {
            await jobsApi.delete(cj.metadata.namespace, String(r.name), { propagationPolicy: 'Background', preconditions: r.uid ? { uid: r.uid } : undefined, signal });
          } catch (e) {
            if (!isNotFound(e)) throw e;
          }
        }
        st.active = [];
      }
      let created: Job;
      try {
        created = await jobsApi.create(jobFromTemplate(cj, due.at, tz) as Job, { signal });
      } catch (e) {
        if (!isAlreadyExists(e)) throw e;
        // Created before a restart that lost the status update: take it if it is ours.
        const existing = owned.find((j) => j.metadata.name === name) ?? (await jobsApi.get(cj.metadata.namespace, name, { signal }));
        if (controllerRefOf(existing)?.uid !== cj.metadata.uid) throw e;
        created = existing;
      }
      if (!finishedCondition(created)) st.active = [...activeRefs(st), refOf(created)];
      st.lastScheduleTime = rfc3339(due.at);
      ctx.log.info('created a job for a scheduled time', { cronjob: cj.metadata.name, job: name, scheduled: rfc3339(due.at) });
      return again();
    }

    /** Deletes the oldest finished Jobs beyond the history limits; true when any went. */
    async function trimHistory(cj: CronJob, owned: readonly Job[], signal: AbortSignal): Promise<boolean> {
      const spec = cronSpec(cj);
      let trimmed = false;
      for (const [type, limit] of [
        ['Complete', asNumber(spec.successfulJobsHistoryLimit)],
        ['Failed', asNumber(spec.failedJobsHistoryLimit)],
      ] as const) {
        if (limit === undefined) continue;
        const done = owned.filter((j) => !j.metadata.deletionTimestamp && finishedCondition(j)?.type === type).sort(byStartTime);
        for (const j of done.slice(0, Math.max(0, done.length - limit))) {
          try {
            await jobsApi.delete(j.metadata.namespace, String(j.metadata.name), { propagationPolicy: 'Background', preconditions: { uid: j.metadata.uid }, signal });
            trimmed = true;
          } catch (e) {
            if (!isNotFound(e)) throw e;
          }
        }
      }
      return trimmed;
    }

    return controller;
  };
}

function activeRefs(st: Record<string, unknown>): ActiveRef[] {
  return (asArray(st.active) ?? []).map((r) => asObject(r) as ActiveRef).filter(Boolean);
}

function refOf(j: KubeObject): ActiveRef {
  return { kind: 'Job', namespace: j.metadata.namespace, name: j.metadata.name, uid: j.metadata.uid, apiVersion: 'batch/v1', resourceVersion: j.metadata.resourceVersion };
}

/** Status as stored: an empty active list is omitted. */
function normalized(st: Record<string, unknown>): Record<string, unknown> {
  const out = { ...st };
  if (!activeRefs(out).length) delete out.active;
  return out;
}
