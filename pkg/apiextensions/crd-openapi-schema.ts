// OpenAPI component schemas of apiextensions.k8s.io/v1 CustomResourceDefinition (field names and
// types from the public API; descriptions are k3ts's own, short).
const P = 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.';
const META = 'io.k8s.apimachinery.pkg.apis.meta.v1.';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const str = (description = '') => ({ type: 'string', ...(description ? { description } : {}) });
const strList = { type: 'array', items: { type: 'string', default: '' } };
const bool = { type: 'boolean' };
const int = { type: 'integer', format: 'int64' };
const obj = (properties: Record<string, unknown>, required?: string[], description = '') => ({ type: 'object', ...(description ? { description } : {}), properties, ...(required ? { required } : {}) });

export const CRD_COMPONENT = `${P}CustomResourceDefinition`;
export const CRD_LIST_COMPONENT = `${P}CustomResourceDefinitionList`;

export function crdComponents(): Record<string, unknown> {
  const gvk = (kind: string) => [{ group: 'apiextensions.k8s.io', version: 'v1', kind }];
  return {
    [CRD_COMPONENT]: {
      ...obj(
        {
          apiVersion: str('APIVersion of this representation of the object.'),
          kind: str('Kind of this object.'),
          metadata: { allOf: [ref(`${META}ObjectMeta`)], default: {} },
          spec: { allOf: [ref(`${P}CustomResourceDefinitionSpec`)], default: {}, description: 'The API the CRD adds to the server.' },
          status: { allOf: [ref(`${P}CustomResourceDefinitionStatus`)], default: {}, description: 'Observed state of the CRD.' },
        },
        ['spec'],
        'CustomResourceDefinition makes the API server serve a new resource kind under the name <plural>.<group>.',
      ),
      'x-kubernetes-group-version-kind': gvk('CustomResourceDefinition'),
    },
    [CRD_LIST_COMPONENT]: {
      ...obj({ apiVersion: str(), kind: str(), metadata: { allOf: [ref(`${META}ListMeta`)], default: {} }, items: { type: 'array', items: { allOf: [ref(CRD_COMPONENT)], default: {} } } }, ['items']),
      'x-kubernetes-group-version-kind': gvk('CustomResourceDefinitionList'),
    },
    [`${P}CustomResourceDefinitionSpec`]: obj(
      {
        group: str('API group of the resources (the name is <plural>.<group>).'),
        names: { allOf: [ref(`${P}CustomResourceDefinitionNames`)], default: {} },
        scope: str('Namespaced or Cluster.'),
        versions: { type: 'array', items: { allOf: [ref(`${P}CustomResourceDefinitionVersion`)], default: {} }, 'x-kubernetes-list-type': 'atomic' },
        conversion: ref(`${P}CustomResourceConversion`),
        preserveUnknownFields: bool,
      },
      ['group', 'names', 'scope', 'versions'],
    ),
    [`${P}CustomResourceDefinitionNames`]: obj({ plural: str(), singular: str(), shortNames: { ...strList, 'x-kubernetes-list-type': 'atomic' }, kind: str(), listKind: str(), categories: { ...strList, 'x-kubernetes-list-type': 'atomic' } }, ['plural', 'kind']),
    [`${P}CustomResourceDefinitionVersion`]: obj(
      {
        name: str(),
        served: bool,
        storage: bool,
        deprecated: bool,
        deprecationWarning: str(),
        schema: ref(`${P}CustomResourceValidation`),
        subresources: ref(`${P}CustomResourceSubresources`),
        additionalPrinterColumns: { type: 'array', items: { allOf: [ref(`${P}CustomResourceColumnDefinition`)], default: {} }, 'x-kubernetes-list-type': 'atomic' },
        selectableFields: { type: 'array', items: obj({ jsonPath: str() }, ['jsonPath']), 'x-kubernetes-list-type': 'atomic' },
      },
      ['name', 'served', 'storage'],
    ),
    [`${P}CustomResourceValidation`]: obj({ openAPIV3Schema: ref(`${P}JSONSchemaProps`) }),
    [`${P}CustomResourceSubresources`]: obj({ status: { type: 'object' }, scale: ref(`${P}CustomResourceSubresourceScale`) }),
    [`${P}CustomResourceSubresourceScale`]: obj({ specReplicasPath: str(), statusReplicasPath: str(), labelSelectorPath: str() }, ['specReplicasPath', 'statusReplicasPath']),
    [`${P}CustomResourceColumnDefinition`]: obj({ name: str(), type: str(), format: str(), description: str(), priority: { type: 'integer', format: 'int32' }, jsonPath: str() }, ['name', 'type', 'jsonPath']),
    [`${P}CustomResourceConversion`]: obj({ strategy: str('None or Webhook.'), webhook: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } }, ['strategy']),
    [`${P}CustomResourceDefinitionStatus`]: obj({
      conditions: { type: 'array', items: { allOf: [ref(`${P}CustomResourceDefinitionCondition`)], default: {} }, 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] },
      acceptedNames: { allOf: [ref(`${P}CustomResourceDefinitionNames`)], default: {} },
      storedVersions: strList,
    }),
    [`${P}CustomResourceDefinitionCondition`]: obj({ type: str(), status: str(), lastTransitionTime: { type: 'string', format: 'date-time' }, reason: str(), message: str() }, ['type', 'status']),
    [`${P}JSONSchemaProps`]: {
      type: 'object',
      description: 'A structural OpenAPI v3 schema.',
      properties: {
        type: str(),
        format: str(),
        description: str(),
        title: str(),
        default: { 'x-kubernetes-preserve-unknown-fields': true },
        properties: { type: 'object', additionalProperties: { allOf: [ref(`${P}JSONSchemaProps`)], default: {} } },
        additionalProperties: { 'x-kubernetes-preserve-unknown-fields': true },
        items: { 'x-kubernetes-preserve-unknown-fields': true },
        required: strList,
        enum: { type: 'array', items: { 'x-kubernetes-preserve-unknown-fields': true } },
        pattern: str(),
        minimum: { type: 'number', format: 'double' },
        maximum: { type: 'number', format: 'double' },
        exclusiveMinimum: bool,
        exclusiveMaximum: bool,
        multipleOf: { type: 'number', format: 'double' },
        minLength: int,
        maxLength: int,
        minItems: int,
        maxItems: int,
        minProperties: int,
        maxProperties: int,
        uniqueItems: bool,
        nullable: bool,
        allOf: { type: 'array', items: { allOf: [ref(`${P}JSONSchemaProps`)], default: {} } },
        anyOf: { type: 'array', items: { allOf: [ref(`${P}JSONSchemaProps`)], default: {} } },
        oneOf: { type: 'array', items: { allOf: [ref(`${P}JSONSchemaProps`)], default: {} } },
        not: ref(`${P}JSONSchemaProps`),
        example: { 'x-kubernetes-preserve-unknown-fields': true },
        externalDocs: obj({ description: str(), url: str() }),
        $schema: str(),
        id: str(),
        $ref: str(),
        definitions: { type: 'object', additionalProperties: { allOf: [ref(`${P}JSONSchemaProps`)], default: {} } },
        dependencies: { type: 'object', additionalProperties: { 'x-kubernetes-preserve-unknown-fields': true } },
        patternProperties: { type: 'object', additionalProperties: { allOf: [ref(`${P}JSONSchemaProps`)], default: {} } },
        additionalItems: { 'x-kubernetes-preserve-unknown-fields': true },
        'x-kubernetes-preserve-unknown-fields': bool,
        'x-kubernetes-int-or-string': bool,
        'x-kubernetes-embedded-resource': bool,
        'x-kubernetes-list-type': str(),
        'x-kubernetes-list-map-keys': { ...strList, 'x-kubernetes-list-type': 'atomic' },
        'x-kubernetes-map-type': str(),
        'x-kubernetes-validations': {
          type: 'array',
          items: obj({ rule: str(), message: str(), messageExpression: str(), reason: str(), fieldPath: str(), optionalOldSelf: bool }, ['rule']),
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['rule'],
        },
      },
    },
  };
}
