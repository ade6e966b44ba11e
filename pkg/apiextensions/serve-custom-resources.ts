// One entry point for the server: CRD serving started over the server's catalog and stores, with
// the machinery, OpenAPI and subresource layers the API server takes from it.
import { compareVersionPriority } from '../api/catalog/catalog';
import type { ResourceDef } from '../api/resource-def';
import type { OpenApiProvider } from '../apiserver/api-server';
import type { CatalogView } from '../apiserver/catalog-view';
import type { ResourceContext } from '../apiserver/handlers/request-context';
import { handleScaleWith } from '../apiserver/handlers/scale';
import type { ApiMachinery } from '../apiserver/machinery';
import type { Store, StoreContext } from '../apiserver/registry/store';
import type { Logger } from '../log/logger';
import { customScaleView } from './crd-scale';
import { customResourceMachinery } from './custom-machinery';
import { customResourceOpenApi } from './crd-openapi';
import { CustomResources } from './custom-resources';

export interface CustomResourceServing {
  readonly resources: CustomResources;
  machinery(base: ApiMachinery): ApiMachinery;
  openapi(base: OpenApiProvider | undefined): OpenApiProvider | undefined;
  subresource(def: ResourceDef, name: string): ((ctx: ResourceContext) => Promise<void>) | undefined;
  warnings(def: ResourceDef): readonly string[];
  servingEnded(def: ResourceDef): AbortSignal | undefined;
  stop(): void;
}

/** Serves the stored CRDs (resolves once they are served) and follows their changes until stop(). */
export async function serveCustomResources(deps: { readonly catalog: CatalogView; readonly stores: Map<ResourceDef, Store>; readonly storeContext: StoreContext; readonly log: Logger }): Promise<CustomResourceServing> {
  const resources = new CustomResources({ ...deps, compareVersions: compareVersionPriority });
  const abort = new AbortController();
  await resources.start(abort.signal);
  return {
    resources,
    machinery: (base) => customResourceMachinery(base, (d) => resources.info(d)),
    openapi: (base) => (base ? customResourceOpenApi(base, deps.catalog, resources) : undefined),
    subresource(def, name) {
      const scale = name === 'scale' ? resources.info(def)?.scale : undefined;
      return scale ? (ctx) => handleScaleWith(ctx, customScaleView(scale)) : undefined;
    },
    warnings(def) {
      const w = resources.info(def)?.deprecationWarning;
      return w ? [w] : [];
    },
    servingEnded: (def) => resources.servingEnded(def),
    stop: () => abort.abort(),
  };
}
