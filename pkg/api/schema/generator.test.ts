// Tests of scripts/gen-api-schema (vitest only collects pkg/, cmd/ and test/, so they live here).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildFacts } from '../../../scripts/gen-api-schema/build-facts';
import { generate } from '../../../scripts/gen-api-schema/generate';
import { parseGoFile } from '../../../scripts/gen-api-schema/go-types-parser';
import { markersOf, parseProto, ProtoParseError } from '../../../scripts/gen-api-schema/proto-parser';
import { parseRegister } from '../../../scripts/gen-api-schema/register-parser';
import { openUpstreamTree } from '../../../scripts/gen-api-schema/upstream-source';
import { decodePackage, encodePackage } from './facts';
import { generatedPackages } from './generated/index';

const PROTO = `
syntax = "proto2";
package k8s.io.api.widgets.v1;
import "k8s.io/apimachinery/pkg/apis/meta/v1/generated.proto";
option go_package = "k8s.io/api/widgets/v1";

// A widget.
// +structType=atomic
message Widget {
  // +optional
  optional .k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1;

  // +optional
  // +listType=map
  // +listMapKey=name
  // +listMapKey=port
  // +patchMergeKey=name
  // +patchStrategy=merge
  repeated Part parts = 2;

  map<string, string> labels = 3;
  optional int32 count = 4;
  optional Part inlined = 5;
}

message Part {
  optional string name = 1;
  optional int64 port = 2 [default = 0];
}
`;

const GO = `package v1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

type Widget struct {
	metav1.TypeMeta \`json:",inline"\`
	metav1.ObjectMeta \`json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"\`
	// parts { not a brace that counts }
	Parts []Part \`json:"parts,omitempty" patchStrategy:"merge" patchMergeKey:"name" protobuf:"bytes,2,rep,name=parts"\`
	Labels map[string]string \`json:"labels" protobuf:"bytes,3,rep,name=labels"\`
	Count *int32 \`json:"count,omitempty" protobuf:"varint,4,opt,name=count"\`
	Part \`json:",inline" protobuf:"bytes,5,opt,name=inlined"\`
}

type Part struct {
	Name string \`json:"name" protobuf:"bytes,1,opt,name=name"\`
	Port int64 \`json:"port,omitempty" protobuf:"varint,2,opt,name=port"\`
}

type Names []string
`;

const META_PROTO = `package k8s.io.apimachinery.pkg.apis.meta.v1;
message ObjectMeta { optional string name = 1; }
message Status { optional string message = 3; }`;

const REGISTER = `package v1
import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)
const GroupName = "widgets.example.io"
var SchemeGroupVersion = schema.GroupVersion{Group: GroupName, Version: "v1"}
func addKnownTypes(scheme *runtime.Scheme) error {
	scheme.AddKnownTypes(SchemeGroupVersion,
		&Widget{},
		&metav1.Status{}, // a comment &Ignored{}
	)
	metav1.AddToGroupVersion(scheme, SchemeGroupVersion)
	return nil
}`;

describe('gen-api-schema parsers', () => {
  it('parses messages, fields, maps and markers', () => {
    const file = parseProto(PROTO);
    expect(file.package).toBe('k8s.io.api.widgets.v1');
    expect(file.imports).toEqual(['k8s.io/apimachinery/pkg/apis/meta/v1/generated.proto']);
    const widget = file.messages[0]!;
    expect(widget.fields.map((f) => [f.label, f.type, f.name, f.number])).toEqual([
      ['optional', '.k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta', 'metadata', 1],
      ['repeated', 'Part', 'parts', 2],
      ['map', 'string', 'labels', 3],
      ['optional', 'int32', 'count', 4],
      ['optional', 'Part', 'inlined', 5],
    ]);
    const markers = markersOf(widget.fields[1]!.comments);
    expect(markers.get('listMapKey')).toEqual(['name', 'port']);
    expect(markersOf(widget.comments).get('structType')).toEqual(['atomic']);
    expect(() => parseProto('package a; enum X { A = 0; }')).toThrow(ProtoParseError);
  });

  it('parses Go struct fields and named types', () => {
    const go = parseGoFile(GO);
    expect(go.imports.get('metav1')).toBe('k8s.io/apimachinery/pkg/apis/meta/v1');
    const widget = go.structs.find((s) => s.name === 'Widget')!;
    expect(widget.fields.map((f) => [f.jsonName, f.protoNumber, f.pointer, f.omitEmpty, f.inline])).toEqual([
      ['', undefined, false, false, true],
      ['metadata', 1, false, true, false],
      ['parts', 2, false, true, false],
      ['labels', 3, false, false, false],
      ['count', 4, true, true, false],
      ['', 5, false, false, true],
    ]);
    expect(widget.fields[2]).toMatchObject({ patchStrategy: 'merge', patchMergeKey: 'name' });
    expect(go.namedTypes.get('Names')).toBe('[]string');
  });

  it('parses register.go', () => {
    const reg = parseRegister(REGISTER);
    expect(reg).toMatchObject({ group: 'widgets.example.io', version: 'v1', addsCommonKinds: true });
    expect(reg.kinds).toEqual([
      { alias: '', name: 'Widget' },
      { alias: 'metav1', name: 'Status' },
    ]);
  });

  it('joins the three sources into facts', () => {
    const { packages, warnings } = buildFacts([
      { proto: parseProto(PROTO), goFiles: [parseGoFile(GO)], register: parseRegister(REGISTER), registerImports: parseGoFile(REGISTER).imports },
      { proto: parseProto(META_PROTO), goFiles: [] },
    ]);
    const widgets = packages.find((p) => p.key === 'widgets/v1')!;
    expect(widgets.kinds).toEqual(['widgets/v1.Widget', 'meta/v1.Status']);
    const widget = widgets.messages.find((m) => m.name === 'Widget')!;
    expect(widget).toMatchObject({ typeMeta: true, structType: 'atomic', modelName: 'io.k8s.api.widgets.v1.Widget' });
    const [, parts, labels, count, inlined] = widget.fields;
    expect(parts).toMatchObject({ repeated: true, listType: 'map', listMapKeys: ['name', 'port'], patchStrategy: 'merge', patchMergeKey: 'name', optional: true });
    expect(labels).toMatchObject({ type: { kind: 'map', key: 'string', value: { kind: 'scalar', scalar: 'string' } }, omitEmpty: false });
    expect(count).toMatchObject({ pointer: true, omitEmpty: true });
    expect(inlined).toMatchObject({ inline: true, type: { kind: 'message', ref: 'widgets/v1.Part' } });
    expect(warnings.filter((w) => w.startsWith('widgets/'))).toEqual([]);
    const text = encodePackage(widgets);
    expect(decodePackage(text)).toEqual(JSON.parse(JSON.stringify(decodePackage(text))));
    expect(encodePackage(decodePackage(text))).toBe(text);
  });
});

describe('generated fact table', () => {
  it('round-trips through the codec unchanged', () => {
    for (const p of generatedPackages) expect(encodePackage(decodePackage(p.data))).toBe(p.data);
  });

  const apiRepo = process.env.K3TS_UPSTREAM_API ?? '/work/.mirror/kubernetes+api/repo';
  const machineryRepo = process.env.K3TS_UPSTREAM_APIMACHINERY ?? '/work/.mirror/kubernetes+apimachinery/repo';
  const aggregatorRepo = process.env.K3TS_UPSTREAM_KUBE_AGGREGATOR ?? '/work/.mirror/kubernetes+kube-aggregator/repo';
  const haveUpstream = existsSync(apiRepo) && existsSync(machineryRepo) && existsSync(aggregatorRepo);
  it.skipIf(!haveUpstream)('matches what the generator writes from upstream release-1.36', () => {
    const result = generate(openUpstreamTree(apiRepo, 'release-1.36'), openUpstreamTree(machineryRepo, 'release-1.36'), openUpstreamTree(aggregatorRepo, 'release-1.36'));
    const dir = join(__dirname, 'generated');
    for (const [name, content] of result.files) expect(readFileSync(join(dir, name), 'utf8'), name).toBe(content);
    expect(result.files.size).toBe(generatedPackages.length + 1);
  });
});
