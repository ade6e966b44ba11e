// Every active namespace has a ConfigMap `kube-root-ca.crt` whose `ca.crt` is the CA that signed
// the API server's certificate, so pods can verify the API (kept as published if edited or deleted).
import type { KubeObject } from '../../api/types';
import { asObject } from '../../api/validation/json';
import { isForbidden, isNotFound } from '../../client/errors';
import { RESOURCES } from '../../client/resource-ref';
import { QueueController, type Controller, type ControllerContext } from '../../controller/controller';
import { isTerminating } from '../serviceaccount/serviceaccount-controller';

export const ROOT_CA_CERT_PUBLISHER = 'root-ca-cert-publisher';
export const ROOT_CA_CONFIGMAP = 'kube-root-ca.crt';
const DESCRIPTION_ANNOTATION = 'kubernetes.io/description';
const DESCRIPTION =
  'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.';

export interface RootCaPublisherConfig {
  /** PEM of the server CA. */
  readonly caPem: string;
}

export function rootCaCertPublisher(cfg: RootCaPublisherConfig): (ctx: ControllerContext) => Controller {
  return (ctx) => {
    const nsInformer = ctx.informers.informerFor(RESOURCES.namespaces);
    const cmInformer = ctx.informers.informerFor(RESOURCES.configmaps, { fieldSelector: `metadata.name=${ROOT_CA_CONFIGMAP}` });
    const configMaps = ctx.client.resource(RESOURCES.configmaps);
    const controller = new QueueController({ name: ROOT_CA_CERT_PUBLISHER, workers: 3, ctx, informers: [nsInformer, cmInformer], reconcile });
    const byNamespace = (ns: KubeObject) => controller.queue.add(String(ns.metadata.name));
    const byConfigMap = (cm: KubeObject) => {
      if (cm.metadata.name === ROOT_CA_CONFIGMAP && cm.metadata.namespace) controller.queue.add(cm.metadata.namespace);
    };
    nsInformer.addEventHandler({ add: byNamespace, update: (_o, ns) => byNamespace(ns) });
    cmInformer.addEventHandler({ update: (_o, cm) => byConfigMap(cm), delete: byConfigMap });

    const published = (cm: KubeObject) => {
      const data = asObject(cm.data) ?? {};
      return Object.keys(data).length === 1 && data['ca.crt'] === cfg.caPem && cm.metadata.annotations?.[DESCRIPTION_ANNOTATION] === DESCRIPTION;
    };

    async function reconcile(namespace: string, signal: AbortSignal): Promise<void> {
      const ns = nsInformer.indexer.get(namespace);
      if (!ns || isTerminating(ns)) return;
      const cm = cmInformer.indexer.getByName(namespace, ROOT_CA_CONFIGMAP);
      if (cm && published(cm)) return;
      try {
        if (!cm) {
          await configMaps.create({ metadata: { name: ROOT_CA_CONFIGMAP, namespace, annotations: { [DESCRIPTION_ANNOTATION]: DESCRIPTION } }, data: { 'ca.crt': cfg.caPem } }, { signal });
        } else {
          await configMaps.update(
            { ...cm, metadata: { ...cm.metadata, annotations: { ...(cm.metadata.annotations ?? {}), [DESCRIPTION_ANNOTATION]: DESCRIPTION } }, data: { 'ca.crt': cfg.caPem }, binaryData: undefined },
            { signal },
          );
        }
      } catch (e) {
        // The namespace went away or is terminating: nothing to publish. (Conflicts and AlreadyExists
        // mean the cache was behind: retried with backoff.)
        if (isNotFound(e) || isForbidden(e)) return;
        throw e;
      }
    }

    return controller;
  };
}
