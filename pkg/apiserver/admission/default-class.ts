// The DefaultStorageClass and DefaultIngressClass admission plugins, as upstream's: an object
// created without a class field (the field absent; an empty string is a choice and is kept) gets
// the name of the cluster's default class — the class annotated `<…>/is-default-class: "true"`;
// with several defaults the newest by creationTimestamp, then the smallest name. Without a default
// the object is left alone. Only creates of the main resource are touched (no updates, no
// subresources); an object carrying the legacy class annotation is also left alone.
//
// Classes are read from a watched cache (ReadonlyCache), so a request costs no datastore read.
import type { KubeObject } from '../../api/types';
import { asObject } from '../../api/validation/json';
import type { AdmissionPlugin, AdmissionRequest } from '../authorization';

/** What differs between the two plugins: the defaulted resource, its field and the class kind's annotations. */
export interface DefaultClassRule {
  /** Upstream's plugin name (what `disable-admission-plugins` names). */
  readonly pluginName: string;
  readonly group: string;
  readonly resource: string;
  /** The field under `spec` holding the class name. */
  readonly specField: string;
  /** An annotation on the object that already chooses a class (the legacy way); present → unchanged. */
  readonly legacyObjectAnnotation: string;
  /** Annotations marking a class as the default (value "true"). */
  readonly defaultAnnotations: readonly string[];
}

export const DEFAULT_STORAGE_CLASS: DefaultClassRule = Object.freeze({
  pluginName: 'DefaultStorageClass',
  group: '',
  resource: 'persistentvolumeclaims',
  specField: 'storageClassName',
  legacyObjectAnnotation: 'volume.beta.kubernetes.io/storage-class',
  defaultAnnotations: Object.freeze(['storageclass.kubernetes.io/is-default-class', 'storageclass.beta.kubernetes.io/is-default-class']),
});

export const DEFAULT_INGRESS_CLASS: DefaultClassRule = Object.freeze({
  pluginName: 'DefaultIngressClass',
  group: 'networking.k8s.io',
  resource: 'ingresses',
  specField: 'ingressClassName',
  legacyObjectAnnotation: 'kubernetes.io/ingress.class',
  defaultAnnotations: Object.freeze(['ingressclass.kubernetes.io/is-default-class']),
});

/** The classes the plugin reads (a watched cache of the class kind). */
export interface ClassSource {
  /** Resolves once the first list is in. */
  readonly synced: Promise<void>;
  values(): Iterable<KubeObject>;
}

function createdMs(o: KubeObject): number {
  const t = Date.parse(String(o.metadata.creationTimestamp ?? ''));
  return Number.isNaN(t) ? 0 : t;
}

/** The default class among `classes`: newest creationTimestamp first, then name ascending. */
export function pickDefaultClass(classes: Iterable<KubeObject>, defaultAnnotations: readonly string[]): KubeObject | undefined {
  let best: KubeObject | undefined;
  for (const c of classes) {
    const ann = c.metadata.annotations ?? {};
    if (!defaultAnnotations.some((a) => ann[a] === 'true')) continue;
    if (!best) {
      best = c;
      continue;
    }
    const dt = createdMs(c) - createdMs(best);
    if (dt > 0 || (dt === 0 && String(c.metadata.name) < String(best.metadata.name))) best = c;
  }
  return best;
}

export class DefaultClassAdmission implements AdmissionPlugin {
  readonly name: string;

  constructor(private readonly rule: DefaultClassRule, private readonly classes: ClassSource) {
    this.name = rule.pluginName;
  }

  async admit(req: AdmissionRequest): Promise<void> {
    if (req.operation !== 'create' || req.subresource || req.def.group !== this.rule.group || req.def.resource !== this.rule.resource || !req.object) return;
    const object = req.object;
    if (object.spec !== undefined && !asObject(object.spec)) return;
    if (asObject(object.spec)?.[this.rule.specField] !== undefined) return;
    if (object.metadata.annotations?.[this.rule.legacyObjectAnnotation] !== undefined) return;
    await this.classes.synced;
    const chosen = pickDefaultClass(this.classes.values(), this.rule.defaultAnnotations);
    if (!chosen) return;
    const spec = asObject(object.spec) ?? {};
    spec[this.rule.specField] = String(chosen.metadata.name);
    object.spec = spec;
  }
}
