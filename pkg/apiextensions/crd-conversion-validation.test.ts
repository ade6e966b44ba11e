import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../api/types';
import { caBundleProblem, CREATE_CONVERSION_OPTIONS, validateConversion } from './crd-conversion-validation';
import { crdStrategy } from './crd-strategy';
import type { CrdSpec } from './types';

const lines = (spec: Partial<CrdSpec>, opts = CREATE_CONVERSION_OPTIONS) => validateConversion(spec, opts).map((e) => `${e.field}: ${e.detail}`);
const webhook = (clientConfig: Record<string, unknown> | undefined, conversionReviewVersions: string[] = ['v1']) => ({ conversion: { strategy: 'Webhook', webhook: { ...(clientConfig ? { clientConfig } : {}), conversionReviewVersions } } }) as Partial<CrdSpec>;
const CA = Buffer.from('-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQ2\n-----END CERTIFICATE-----\n').toString('base64');

describe('spec.conversion validation (upstream field paths and wording)', () => {
  it('accepts None and a well-formed webhook', () => {
    expect(lines({ conversion: { strategy: 'None' } })).toEqual([]);
    expect(lines(webhook({ url: 'https://127.0.0.1:8443/convert' }))).toEqual([]);
    expect(lines(webhook({ service: { namespace: 'ns', name: 'svc', path: '/convert', port: 443 } }, ['v1beta1', 'v2']))).toEqual([]);
  });

  it('requires the webhook stanza, exactly one of url and service, and a recognized review version', () => {
    expect(lines({ conversion: { strategy: 'Webhook' } })).toEqual([
      'spec.conversion.webhookClientConfig: Required value: required when strategy is set to Webhook',
      'spec.conversion.conversionReviewVersions: Required value',
    ]);
    expect(lines(webhook({ url: 'https://a', service: { namespace: 'n', name: 's' } }))).toEqual(['spec.conversion.webhookClientConfig: Required value: exactly one of url or service is required']);
    expect(lines(webhook({ url: 'https://a' }, ['v2', 'v2']))).toEqual([
      'spec.conversion.conversionReviewVersions[1]: Invalid value: "v2": duplicate version',
      'spec.conversion.conversionReviewVersions: Invalid value: ["v2","v2"]: must include at least one of v1, v1beta1',
    ]);
    expect(lines({ conversion: { strategy: 'Magic' } })).toEqual(['spec.conversion.strategy: Unsupported value: "Magic": supported values: "None", "Webhook"']);
    expect(lines({ conversion: { strategy: 'None', webhook: { clientConfig: { url: 'https://a' }, conversionReviewVersions: ['v1'] } } })).toEqual([
      'spec.conversion.webhookClientConfig: Forbidden: should not be set when strategy is not set to Webhook',
      'spec.conversion.conversionReviewVersions: Forbidden: should not be set when strategy is not set to Webhook',
    ]);
    expect(lines({ ...webhook({ url: 'https://a' }), preserveUnknownFields: true })).toEqual(['spec.conversion.strategy: Invalid value: "Webhook": must be None if spec.preserveUnknownFields is true']);
  });

  it('checks the url and the service reference', () => {
    expect(lines(webhook({ url: 'http://u:p@host/x?a=b#frag' }))).toEqual([
      `spec.conversion.webhookClientConfig.url: Invalid value: "http": 'https' is the only allowed URL scheme; desired format: https://host[/path]`,
      'spec.conversion.webhookClientConfig.url: Invalid value: "u:p": user information is not permitted in the URL',
      'spec.conversion.webhookClientConfig.url: Invalid value: "frag": fragments are not permitted in the URL',
      'spec.conversion.webhookClientConfig.url: Invalid value: "a=b": query parameters are not permitted in the URL',
    ]);
    expect(lines(webhook({ url: 'https:///path' }))).toEqual(['spec.conversion.webhookClientConfig.url: Invalid value: "": host must be specified; desired format: https://host[/path]']);
    expect(lines(webhook({ service: { namespace: '', name: '', port: 70000, path: 'a//B' } }))).toEqual([
      'spec.conversion.webhookClientConfig.service.name: Required value',
      'spec.conversion.webhookClientConfig.service.namespace: Required value',
      'spec.conversion.webhookClientConfig.service.port: Invalid value: 70000: port is not valid: must be between 1 and 65535, inclusive',
      `spec.conversion.webhookClientConfig.service.path: Invalid value: "a//B": must start with a '/'`,
      // As upstream, the first character is dropped before splitting, whatever it was.
      'spec.conversion.webhookClientConfig.service.path: Invalid value: "a//B": segment[0] may not be empty',
      'spec.conversion.webhookClientConfig.service.path: Invalid value: "a//B": segment[1] may not be empty',
      expect.stringContaining('spec.conversion.webhookClientConfig.service.path: Invalid value: "a//B": segment[2]: a lowercase RFC 1123 subdomain'),
    ]);
  });

  it('checks caBundle only where upstream does (updates of established CRDs)', () => {
    expect(caBundleProblem(Buffer.from('nonsense').toString('base64'))).toBe('unable to load root certificates: unable to parse bytes as PEM block');
    expect(caBundleProblem(CA)).toBe('unable to load root certificates: failed to parse certificate: x509: malformed certificate');
    expect(lines(webhook({ url: 'https://a', caBundle: CA }))).toEqual([]);
    expect(lines(webhook({ url: 'https://a', caBundle: CA }), { requireRecognizedReviewVersion: true, allowInvalidCaBundle: false })).toEqual([
      expect.stringMatching(/^spec\.conversion\.webhookClientConfig\.caBundle: Invalid value: ".*": unable to load root certificates: failed to parse certificate/),
    ]);
  });

  it('is wired into the CRD strategy, which defaults a service port to 443', () => {
    const obj: KubeObject = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'things.example.com' },
      spec: {
        group: 'example.com',
        scope: 'Namespaced',
        names: { plural: 'things', kind: 'Thing' },
        versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object' } } }],
        conversion: { strategy: 'Webhook', webhook: { clientConfig: { service: { namespace: 'ns', name: 'svc' } } } },
      },
    };
    crdStrategy.defaults!(obj);
    expect((obj.spec as CrdSpec).conversion?.webhook?.clientConfig?.service?.port).toBe(443);
    expect(crdStrategy.validate!(obj).map((e) => `${e.field}: ${e.detail}`)).toEqual(['spec.conversion.conversionReviewVersions: Required value']);
  });
});
