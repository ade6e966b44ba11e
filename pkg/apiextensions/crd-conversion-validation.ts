// spec.conversion of a CustomResourceDefinition: defaulting (a service reference's port 443) and
// validation as upstream's: strategy None or Webhook; with Webhook a clientConfig with exactly one
// of url (https, a host, no user, query or fragment) and service (name, namespace, port, path of
// DNS subdomain segments), a caBundle of PEM certificates (checked on updates of established CRDs
// whose bundle was valid), and conversionReviewVersions naming v1 or v1beta1. Field paths are
// upstream's internal ones (spec.conversion.webhookClientConfig…), which is what kubectl shows.
import * as crypto from 'node:crypto';
import type { FieldError } from '../api/types';
import { forbidden, index, invalid, notSupported, required } from '../api/validation/errors';
import { isDNS1035Label, isDNS1123Subdomain } from '../api/validation/names';
import type { CrdConversion, CrdSpec, WebhookClientConfig } from './types';

export const CONVERSION_REVIEW_VERSIONS: readonly string[] = ['v1', 'v1beta1'];

const BASE = 'spec.conversion';
const CLIENT = `${BASE}.webhookClientConfig`;
const REVIEWS = `${BASE}.conversionReviewVersions`;
const URL_FORM = '; desired format: https://host[/path]';

function rec(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

/** Defaults spec.conversion.webhook.clientConfig.service.port to 443. Mutates `spec`. */
export function defaultConversion(spec: Record<string, unknown>): void {
  const service = rec(rec(rec(rec(spec.conversion)?.webhook)?.clientConfig)?.service);
  if (service && service.port === undefined) service.port = 443;
}

/** Why a caBundle cannot serve as the roots of a TLS client, or undefined when it can. */
export function caBundleProblem(caBundle: string): string | undefined {
  const text = Buffer.from(caBundle, 'base64').toString('latin1');
  const blocks = [...text.matchAll(/-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)-----END \1-----/g)];
  if (blocks.length === 0) return 'unable to load root certificates: unable to parse bytes as PEM block';
  const certs = blocks.filter((b) => b[1] === 'CERTIFICATE');
  if (certs.length === 0) return 'unable to load root certificates: no valid certificate authority data seen';
  for (const b of certs) {
    try {
      new crypto.X509Certificate(b[0]);
    } catch {
      return 'unable to load root certificates: failed to parse certificate: x509: malformed certificate';
    }
  }
  return undefined;
}

/** A webhook URL as upstream's ValidateWebhookURL (url.Parse, then scheme, host, user, fragment, query). */
function validateUrl(raw: string, out: FieldError[]): void {
  const field = `${CLIENT}.url`;
  const hash = raw.indexOf('#');
  const fragment = hash >= 0 ? raw.slice(hash + 1) : '';
  const beforeFragment = hash >= 0 ? raw.slice(0, hash) : raw;
  const q = beforeFragment.indexOf('?');
  const query = q >= 0 ? beforeFragment.slice(q + 1) : '';
  const rest = q >= 0 ? beforeFragment.slice(0, q) : beforeFragment;
  const schemeMatch = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(rest);
  if (!schemeMatch && rest.startsWith(':')) {
    out.push(required(field, `url must be a valid URL: parse ${JSON.stringify(raw)}: missing protocol scheme${URL_FORM}`));
    return;
  }
  const scheme = schemeMatch ? schemeMatch[1]!.toLowerCase() : '';
  const afterScheme = schemeMatch ? rest.slice(schemeMatch[0].length) : rest;
  let user: string | undefined;
  let host = '';
  if (afterScheme.startsWith('//')) {
    const authority = afterScheme.slice(2).split('/')[0]!;
    const at = authority.lastIndexOf('@');
    if (at >= 0) user = authority.slice(0, at);
    host = at >= 0 ? authority.slice(at + 1) : authority;
    const port = /^(?:\[[^\]]*\]|[^:]*)(:.*)?$/.exec(host)?.[1];
    if (port !== undefined && !/^:\d*$/.test(port)) {
      out.push(required(field, `url must be a valid URL: parse ${JSON.stringify(raw)}: invalid port ${JSON.stringify(port)} after host${URL_FORM}`));
      return;
    }
  }
  if (scheme !== 'https') out.push(invalid(field, scheme, `'https' is the only allowed URL scheme${URL_FORM}`));
  if (host === '') out.push(invalid(field, host, `host must be specified${URL_FORM}`));
  if (user !== undefined) out.push(invalid(field, user, 'user information is not permitted in the URL'));
  if (fragment) out.push(invalid(field, fragment, 'fragments are not permitted in the URL'));
  if (query) out.push(invalid(field, query, 'query parameters are not permitted in the URL'));
}

/** A service reference as upstream's ValidateWebhookService. */
function validateService(svc: NonNullable<WebhookClientConfig['service']>, out: FieldError[]): void {
  const base = `${CLIENT}.service`;
  const path = typeof svc.path === 'string' ? svc.path : undefined;
  if (!svc.name) out.push(required(`${base}.name`));
  if (!svc.namespace) out.push(required(`${base}.namespace`));
  const port = svc.port ?? 443;
  if (!Number.isInteger(port) || port < 1 || port > 65535) out.push(invalid(`${base}.port`, port, 'port is not valid: must be between 1 and 65535, inclusive'));
  if (path === undefined || path === '' || path === '/') return;
  if (path === '//') {
    out.push(invalid(`${base}.path`, path, 'segment[0] may not be empty'));
    return;
  }
  if (!path.startsWith('/')) out.push(invalid(`${base}.path`, path, "must start with a '/'"));
  let check = path.slice(1);
  if (check.endsWith('/')) check = check.slice(0, -1);
  check.split('/').forEach((step, i) => {
    if (step === '') out.push(invalid(`${base}.path`, path, `segment[${i}] may not be empty`));
    else for (const m of isDNS1123Subdomain(step)) out.push(invalid(`${base}.path`, path, `segment[${i}]: ${m}`));
  });
}

function validateReviewVersions(versions: readonly string[], requireRecognized: boolean, out: FieldError[]): void {
  if (versions.length === 0) {
    out.push(required(REVIEWS));
    return;
  }
  const seen = new Set<string>();
  versions.forEach((v, i) => {
    if (seen.has(v)) {
      out.push(invalid(index(REVIEWS, i), v, 'duplicate version'));
      return;
    }
    seen.add(v);
    for (const m of isDNS1035Label(v)) out.push(invalid(index(REVIEWS, i), v, m));
  });
  if (requireRecognized && !versions.some((v) => CONVERSION_REVIEW_VERSIONS.includes(v))) {
    out.push(invalid(REVIEWS, versions, `must include at least one of ${[...CONVERSION_REVIEW_VERSIONS].sort().join(', ')}`));
  }
}

export interface ConversionValidationOptions {
  /** Update of a CRD whose conversionReviewVersions had no recognized one: not required now either. */
  readonly requireRecognizedReviewVersion: boolean;
  /** Create, a CRD not yet Established, or one whose caBundle was already invalid. */
  readonly allowInvalidCaBundle: boolean;
}

/** The options for an update from `old` (upstream's ValidateCustomResourceDefinitionUpdate). */
export function conversionUpdateOptions(old: Partial<CrdSpec>, oldEstablished: boolean): ConversionValidationOptions {
  const versions = old.conversion?.webhook?.conversionReviewVersions ?? [];
  const oldBundle = old.conversion?.webhook?.clientConfig?.caBundle;
  return {
    requireRecognizedReviewVersion: versions.length === 0 || versions.some((v) => CONVERSION_REVIEW_VERSIONS.includes(v)),
    allowInvalidCaBundle: !oldEstablished || (oldBundle ? caBundleProblem(oldBundle) !== undefined : false),
  };
}

export const CREATE_CONVERSION_OPTIONS: ConversionValidationOptions = { requireRecognizedReviewVersion: true, allowInvalidCaBundle: true };

/** Every problem with spec.conversion (and its pairing with preserveUnknownFields). */
export function validateConversion(spec: Partial<CrdSpec>, opts: ConversionValidationOptions): FieldError[] {
  const out: FieldError[] = [];
  const conv: CrdConversion | undefined = spec.conversion;
  if (!conv) return out;
  const strategy = conv.strategy;
  if (strategy !== 'None' && strategy !== 'Webhook') out.push(strategy ? notSupported(`${BASE}.strategy`, strategy, ['None', 'Webhook']) : required(`${BASE}.strategy`));
  if (strategy !== 'None' && spec.preserveUnknownFields === true) out.push(invalid(`${BASE}.strategy`, strategy, 'must be None if spec.preserveUnknownFields is true'));
  // The body's types were checked against the CRD schema when decoded; stay safe all the same.
  const cc = rec(conv.webhook?.clientConfig) as WebhookClientConfig | undefined;
  const rawReviews: unknown = conv.webhook?.conversionReviewVersions;
  const reviews = Array.isArray(rawReviews) ? rawReviews.map(String) : [];
  if (strategy === 'Webhook') {
    if (!cc) out.push(required(CLIENT, 'required when strategy is set to Webhook'));
    else {
      if ((cc.url === undefined) === (cc.service === undefined)) out.push(required(CLIENT, 'exactly one of url or service is required'));
      else if (cc.url !== undefined) validateUrl(String(cc.url), out);
      else if (rec(cc.service)) validateService(cc.service!, out);
      if (typeof cc.caBundle === 'string' && cc.caBundle && !opts.allowInvalidCaBundle) {
        const problem = caBundleProblem(cc.caBundle);
        if (problem) out.push(invalid(`${CLIENT}.caBundle`, cc.caBundle, problem));
      }
    }
    validateReviewVersions(reviews, opts.requireRecognizedReviewVersion, out);
  } else {
    if (cc) out.push(forbidden(CLIENT, 'should not be set when strategy is not set to Webhook'));
    if (reviews.length > 0) out.push(forbidden(REVIEWS, 'should not be set when strategy is not set to Webhook'));
  }
  return out;
}
