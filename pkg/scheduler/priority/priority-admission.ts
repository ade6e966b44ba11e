// The Priority admission plugin (upstream plugin/pkg/admission/priority): a new pod's
// spec.priority and spec.preemptionPolicy come from its PriorityClass (or the global default
// class, or 0 / PreemptLowerPriority when there is none); a pod may not name a missing class or
// carry a priority that disagrees with its class. Only one PriorityClass may be the global default.
import type { KubeObject } from '../../api/types';
import { asObject, asString } from '../../api/validation/json';
import type { AdmissionPlugin, AdmissionRequest } from '../../apiserver/authorization';
import { ApiError, errors } from '../../apiserver/errors';
import type { Store } from '../../apiserver/registry/store';
import { PRIORITY_CLASS_GROUP } from './builtin-priority-classes';

export const DEFAULT_PREEMPTION_POLICY = 'PreemptLowerPriority';

/** How long a read of every PriorityClass serves pod creates (upstream reads an informer's cache, also a little behind). */
export const CLASS_CACHE_MS = 1000;

async function listClasses(store: Store): Promise<KubeObject[]> {
  const out: KubeObject[] = [];
  const prefix = store.prefix(undefined);
  const res = await store.backendList(prefix, {});
  for (const kv of res.kvs) out.push(store.decode(kv));
  return out;
}

async function getClass(store: Store, name: string): Promise<KubeObject | undefined> {
  try {
    return await store.get(undefined, name);
  } catch (e) {
    if (e instanceof ApiError && e.code === 404) return undefined;
    throw e;
  }
}

function forbidden(req: AdmissionRequest, resource: string, message: string): ApiError {
  return errors.forbidden(`${resource} "${req.name ?? ''}" is forbidden: ${message}`);
}

export class PriorityAdmission implements AdmissionPlugin {
  readonly name = 'Priority';
  #cached: { readonly at: number; readonly classes: Promise<KubeObject[]> } | undefined;

  /** `classes` returns the priorityclasses store (undefined when not served). */
  constructor(
    private readonly classes: () => Store | undefined,
    private readonly now: () => number = Date.now,
  ) {}

  /** Every class, read at most once per CLASS_CACHE_MS (pod creates need only the global default). */
  #all(store: Store): Promise<KubeObject[]> {
    const now = this.now();
    if (this.#cached && now - this.#cached.at < CLASS_CACHE_MS) return this.#cached.classes;
    const classes = listClasses(store);
    this.#cached = { at: now, classes };
    classes.catch(() => (this.#cached = undefined));
    return classes;
  }

  async admit(req: AdmissionRequest): Promise<void> {
    if (req.operation !== 'create' && req.operation !== 'update') return;
    if (req.def.group === '' && req.def.resource === 'pods' && !req.subresource && req.operation === 'create') return this.#pod(req);
    if (req.def.group === PRIORITY_CLASS_GROUP && req.def.resource === 'priorityclasses' && !req.subresource) return this.#priorityClass(req);
  }

  async #pod(req: AdmissionRequest): Promise<void> {
    const store = this.classes();
    const pod = req.object;
    if (!store || !pod) return;
    const spec = asObject(pod.spec);
    if (!spec) return;
    const className = asString(spec.priorityClassName) ?? '';
    let priority = 0;
    let policy: string = DEFAULT_PREEMPTION_POLICY;
    if (className === '') {
      const defaults = (await this.#all(store)).filter((c) => c.globalDefault === true);
      // Several defaults can only exist after a race; upstream takes the lowest value then.
      const chosen = defaults.sort((a, b) => Number(a.value) - Number(b.value))[0];
      if (chosen) {
        spec.priorityClassName = chosen.metadata.name;
        priority = Number(chosen.value);
        policy = asString(chosen.preemptionPolicy) ?? DEFAULT_PREEMPTION_POLICY;
      }
    } else {
      const pc = (await this.#all(store)).find((c) => c.metadata.name === className) ?? (await getClass(store, className));
      if (!pc) throw forbidden(req, 'pods', `no PriorityClass with name ${className} was found`);
      priority = Number(pc.value);
      policy = asString(pc.preemptionPolicy) ?? DEFAULT_PREEMPTION_POLICY;
    }
    if (typeof spec.priority === 'number' && spec.priority !== priority) {
      throw forbidden(req, 'pods', `the integer value of priority (${spec.priority}) must not be provided in pod spec; priority admission controller computed ${priority} from the given PriorityClass name`);
    }
    spec.priority = priority;
    const given = asString(spec.preemptionPolicy);
    if (given && given !== policy) {
      throw forbidden(req, 'pods', `the string value of PreemptionPolicy (${given}) must not be provided in pod spec; priority admission controller computed ${policy} from the given PriorityClass name`);
    }
    spec.preemptionPolicy = policy;
  }

  async #priorityClass(req: AdmissionRequest): Promise<void> {
    const store = this.classes();
    const pc = req.object;
    if (!store || !pc || pc.globalDefault !== true) return;
    if (req.operation === 'update' && req.oldObject?.globalDefault === true) return;
    this.#cached = undefined;
    const other = (await listClasses(store)).find((c) => c.globalDefault === true && c.metadata.name !== pc.metadata.name);
    if (other) throw forbidden(req, 'priorityclasses.scheduling.k8s.io', `PriorityClass ${String(other.metadata.name)} is marked as default. Only one default can exist`);
  }
}
