// One manifest file of <data-dir>/server/manifests: its objects (YAML or JSON, several documents,
// `kind: List` flattened), its checksum, and the Addon name it is recorded under.
import * as crypto from 'node:crypto';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { KubeObject } from '../api/types';
import { DeployError } from './errors';

/** sha256 of the file's bytes as lower-case hex (Addon spec.checksum). */
export function manifestChecksum(bytes: Uint8Array | string): string {
  return crypto.createHash('sha256').update(bytes).digest('hex');
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function checkObject(doc: unknown, where: string): KubeObject {
  if (!isRecord(doc)) throw new DeployError('invalid-manifest', `${where} is not an object`);
  const { apiVersion, kind, metadata } = doc;
  if (typeof apiVersion !== 'string' || apiVersion === '') throw new DeployError('invalid-manifest', `${where} has no apiVersion`);
  if (typeof kind !== 'string' || kind === '') throw new DeployError('invalid-manifest', `${where} has no kind`);
  if (!isRecord(metadata) || typeof metadata.name !== 'string' || metadata.name === '') throw new DeployError('invalid-manifest', `${where} (${kind}) has no metadata.name`);
  return doc as unknown as KubeObject;
}

/** The objects of a manifest, in file order. Empty documents are skipped; errors name the document. */
export function parseManifest(text: string, file: string): KubeObject[] {
  const out: KubeObject[] = [];
  const docs = parseAllDocuments(text, { prettyErrors: false });
  if (!Array.isArray(docs)) return out; // an empty stream
  docs.forEach((doc, i) => {
    const where = `document ${i + 1} of ${file}`;
    if (doc.errors.length > 0) throw new DeployError('invalid-manifest', `${where} is not valid YAML: ${doc.errors[0]!.message}`);
    const value: unknown = doc.toJS({ maxAliasCount: 100 });
    if (value === null || value === undefined) return;
    if (isRecord(value) && typeof value.kind === 'string' && value.kind.endsWith('List') && Array.isArray(value.items)) {
      value.items.forEach((item, j) => out.push(checkObject(item, `items[${j}] of ${where}`)));
      return;
    }
    out.push(checkObject(value, where));
  });
  return out;
}

/**
 * The Addon name for a file, from its path relative to the manifests directory: the extension
 * dropped, directories joined with `-`, lower-cased, other characters than [a-z0-9.-] made `-`
 * (`coredns.yaml` → coredns, `apps/Web.yml` → apps-web).
 */
export function addonNameFor(relPath: string): string {
  const noExt = relPath.replace(/\.(ya?ml|json)$/i, '');
  const joined = noExt.split(path.sep).join('-').toLowerCase();
  const cleaned = joined.replace(/[^a-z0-9.-]+/g, '-').replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '');
  return (cleaned || 'addon').slice(0, 253);
}

/** Whether a file name is a manifest the deployer reads. */
export function isManifestName(name: string): boolean {
  return /\.(ya?ml|json)$/i.test(name) && !name.startsWith('.');
}
