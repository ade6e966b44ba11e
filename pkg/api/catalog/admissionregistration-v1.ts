// admissionregistration.k8s.io/v1: stored and validated; the admission chain that acts on these
// objects is separate work.
import type { ResourceDef } from '../resource-def';
import { defineResource, statusSubresource } from './define';
import {
  mutatingAdmissionPolicyBindingStrategy,
  mutatingAdmissionPolicyStrategy,
  mutatingWebhookConfigurationStrategy,
  validatingAdmissionPolicyBindingStrategy,
  validatingAdmissionPolicyStatusStrategy,
  validatingAdmissionPolicyStrategy,
  validatingWebhookConfigurationStrategy,
} from './strategies/admission-registration';

const group = 'admissionregistration.k8s.io';
const version = 'v1';
const categories = ['api-extensions'];

export const admissionregistrationV1: readonly ResourceDef[] = Object.freeze([
  defineResource({ group, version, kind: 'MutatingAdmissionPolicy', resource: 'mutatingadmissionpolicies', singular: 'mutatingadmissionpolicy', namespaced: false, categories, strategy: mutatingAdmissionPolicyStrategy }),
  defineResource({ group, version, kind: 'MutatingAdmissionPolicyBinding', resource: 'mutatingadmissionpolicybindings', singular: 'mutatingadmissionpolicybinding', namespaced: false, categories, strategy: mutatingAdmissionPolicyBindingStrategy }),
  defineResource({ group, version, kind: 'MutatingWebhookConfiguration', resource: 'mutatingwebhookconfigurations', singular: 'mutatingwebhookconfiguration', namespaced: false, categories, strategy: mutatingWebhookConfigurationStrategy }),
  defineResource({
    group,
    version,
    kind: 'ValidatingAdmissionPolicy',
    resource: 'validatingadmissionpolicies',
    singular: 'validatingadmissionpolicy',
    namespaced: false,
    categories,
    strategy: validatingAdmissionPolicyStrategy,
    subresources: [statusSubresource('ValidatingAdmissionPolicy', validatingAdmissionPolicyStatusStrategy)],
  }),
  defineResource({ group, version, kind: 'ValidatingAdmissionPolicyBinding', resource: 'validatingadmissionpolicybindings', singular: 'validatingadmissionpolicybinding', namespaced: false, categories, strategy: validatingAdmissionPolicyBindingStrategy }),
  defineResource({ group, version, kind: 'ValidatingWebhookConfiguration', resource: 'validatingwebhookconfigurations', singular: 'validatingwebhookconfiguration', namespaced: false, categories, strategy: validatingWebhookConfigurationStrategy }),
]);
