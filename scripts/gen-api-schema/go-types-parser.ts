// Reads the JSON encoding traits of API structs from Go source: for each struct field that carries
// a `protobuf:"…"` tag, its protobuf number, JSON name, omitempty, inline, and whether the Go type is
// a pointer. Only the line-per-field layout of the k8s.io API packages is understood: a field is
// `Name Type \`tags\`` or an embedded `Type \`tags\`` on one line.

export interface GoField {
  readonly goName: string;
  readonly goType: string;
  readonly embedded: boolean;
  /** JSON name from the tag; '' when the tag has no name (inline or untagged). */
  readonly jsonName: string;
  readonly jsonSkip: boolean;
  readonly omitEmpty: boolean;
  readonly inline: boolean;
  readonly pointer: boolean;
  /** Protobuf field number, when the field has a protobuf tag. */
  readonly protoNumber?: number;
  /** `patchStrategy:"…"` and `patchMergeKey:"…"` struct tags (what strategic merge patch reads). */
  readonly patchStrategy?: string;
  readonly patchMergeKey?: string;
}

export interface GoStruct {
  readonly name: string;
  readonly fields: readonly GoField[];
}

export interface GoFile {
  readonly packageName: string;
  /** import alias (or last path element) → import path */
  readonly imports: ReadonlyMap<string, string>;
  readonly structs: readonly GoStruct[];
  /** Non-struct named types: name → underlying type text (`[]string`, `v1.MatchCondition`). */
  readonly namedTypes: ReadonlyMap<string, string>;
}

const FIELD_RE = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s+([^\s`]+)\s+`([^`]*)`/;
const EMBEDDED_RE = /^\s*(\*?[A-Za-z_][A-Za-z0-9_.]*)\s+`([^`]*)`/;

function tagValue(tags: string, key: string): string | undefined {
  const m = new RegExp(`(?:^|\\s)${key}:"([^"]*)"`).exec(tags);
  return m ? m[1] : undefined;
}

function parseField(line: string): GoField | undefined {
  let goName: string;
  let goType: string;
  let tags: string;
  let embedded = false;
  const f = FIELD_RE.exec(line);
  if (f) {
    goName = f[1]!;
    goType = f[2]!;
    tags = f[3]!;
  } else {
    const e = EMBEDDED_RE.exec(line);
    if (!e) return undefined;
    goType = e[1]!;
    goName = goType.replace(/^\*/, '').replace(/^.*\./, '');
    tags = e[2]!;
    embedded = true;
  }
  const json = tagValue(tags, 'json');
  const proto = tagValue(tags, 'protobuf');
  const jsonParts = json === undefined ? [] : json.split(',');
  const jsonName = jsonParts[0] ?? '';
  const options = new Set(jsonParts.slice(1));
  const protoNumber = proto && proto !== '-' ? Number(proto.split(',')[1]) : undefined;
  const patchStrategy = tagValue(tags, 'patchStrategy');
  const patchMergeKey = tagValue(tags, 'patchMergeKey');
  return {
    goName,
    goType,
    embedded,
    jsonName: jsonName === '-' ? '' : jsonName,
    jsonSkip: jsonName === '-',
    omitEmpty: options.has('omitempty') || options.has('omitzero'),
    inline: options.has('inline') || (embedded && json === undefined),
    pointer: goType.startsWith('*'),
    ...(protoNumber !== undefined && Number.isInteger(protoNumber) ? { protoNumber } : {}),
    ...(patchStrategy ? { patchStrategy } : {}),
    ...(patchMergeKey ? { patchMergeKey } : {}),
  };
}

/** Strips `//` comments and string/raw-string literals so that brace counting sees code only. */
function codeOnly(line: string): string {
  return line.replace(/`[^`]*`/g, '``').replace(/"(?:[^"\\]|\\.)*"/g, '""').replace(/\/\/.*$/, '');
}

export function parseGoFile(source: string): GoFile {
  const lines = source.split('\n');
  const imports = new Map<string, string>();
  const structs: GoStruct[] = [];
  const namedTypes = new Map<string, string>();
  let packageName = '';
  let inImportBlock = false;
  let inBlockComment = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (inBlockComment) {
      if (line.includes('*/')) inBlockComment = false;
      continue;
    }
    if (/^\s*\/\*/.test(line) && !line.includes('*/')) {
      inBlockComment = true;
      continue;
    }
    const pkg = /^package\s+(\w+)/.exec(line);
    if (pkg) {
      packageName = pkg[1]!;
      continue;
    }
    if (/^import\s*\($/.test(line)) {
      inImportBlock = true;
      continue;
    }
    if (inImportBlock) {
      if (/^\)/.test(line)) {
        inImportBlock = false;
        continue;
      }
      addImport(imports, line);
      continue;
    }
    const single = /^import\s+(.*)$/.exec(line);
    if (single) {
      addImport(imports, single[1]!);
      continue;
    }
    const st = /^type\s+([A-Za-z_][A-Za-z0-9_]*)\s+struct\s*\{\s*(\}?)/.exec(line);
    if (st) {
      const name = st[1]!;
      const fields: GoField[] = [];
      if (st[2] !== '}') {
        let depth = 1;
        for (i++; i < lines.length; i++) {
          const body = lines[i]!;
          const code = codeOnly(body);
          for (const ch of code) {
            if (ch === '{') depth++;
            else if (ch === '}') depth--;
          }
          if (depth <= 0) break;
          if (depth === 1 && !/^\s*\/\//.test(body)) {
            const field = parseField(body);
            if (field) fields.push(field);
          }
        }
      }
      structs.push({ name, fields });
      continue;
    }
    const named = /^type\s+([A-Za-z_][A-Za-z0-9_]*)\s+(?!struct\b|interface\b|=)(.+?)\s*(\/\/.*)?$/.exec(line);
    if (named) namedTypes.set(named[1]!, named[2]!);
  }
  return { packageName, imports, structs, namedTypes };
}

function addImport(imports: Map<string, string>, line: string): void {
  const m = /^\s*(?:([A-Za-z_][A-Za-z0-9_]*|\.|_)\s+)?"([^"]+)"/.exec(line);
  if (!m) return;
  const path = m[2]!;
  const alias = m[1] ?? path.slice(path.lastIndexOf('/') + 1);
  imports.set(alias, path);
}
