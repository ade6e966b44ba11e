// Everything one resource request handler needs, resolved once per request.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ResourceDef, SubresourceDef } from '../../api/resource-def';
import type { KubeObject } from '../../api/types';
import type { Logger } from '../../log/logger';
import type { AdmissionPlugin } from '../authorization';
import type { CatalogView } from '../catalog-view';
import type { ApiMachinery } from '../machinery';
import type { ResourceRequest } from '../request-info';
import type { Store } from '../registry/store';

export interface UserInfo {
  readonly username: string;
  readonly groups: readonly string[];
  readonly uid?: string;
}

/** What a create-only resource's handler gets: the validated body, the caller and the URL namespace. */
export interface CreateOnlyRequest {
  readonly object: KubeObject;
  readonly user: UserInfo;
  readonly namespace?: string;
}

/** Answers a create of a resource that is never stored (ResourceDef.createOnly): returns the response object. */
export type CreateOnlyHandler = (req: CreateOnlyRequest) => Promise<KubeObject>;

export interface ServerServices {
  readonly catalog: CatalogView;
  readonly stores: ReadonlyMap<ResourceDef, Store>;
  readonly machinery: ApiMachinery;
  readonly now: () => Date;
  readonly log: Logger;
  /** Admission plugins, run in order on create/update/delete after the object is built. */
  readonly admission?: readonly AdmissionPlugin[];
  /** Handlers of create-only resources (ResourceDef.createOnly) by `group/resource`. */
  readonly createOnly?: ReadonlyMap<string, CreateOnlyHandler>;
  /** Default watch timeout range in seconds (upstream: 30–60 min). */
  readonly watchTimeoutSeconds?: readonly [number, number];
  /** Bookmark interval for watches that allow them. */
  readonly bookmarkIntervalMs?: number;
  /** Subresource handlers of resources served at run time (custom resources' scale), before the built-in ones. */
  readonly dynamicSubresources?: (def: ResourceDef, subresource: string) => ((ctx: ResourceContext) => Promise<void>) | undefined;
  /** Warnings sent with every request to a resource (deprecated custom resource versions). */
  readonly resourceWarnings?: (def: ResourceDef) => readonly string[];
  /** Aborts when a resource served at run time stops being served (its CRD changed or went away): open watches end. */
  readonly servingEnded?: (def: ResourceDef) => AbortSignal | undefined;
  /** Namespaces known to be active from a watch cache (NamespaceLifecycle reads the store otherwise). */
  readonly activeNamespace?: (name: string) => boolean;
}

export interface ResourceContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly query: URLSearchParams;
  readonly info: ResourceRequest;
  readonly def: ResourceDef;
  readonly sub?: SubresourceDef;
  readonly store: Store;
  readonly user: UserInfo;
  readonly services: ServerServices;
}
