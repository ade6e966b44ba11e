// Reads what a package's register.go registers: its group name, version, the types it adds with
// `AddKnownTypes(SchemeGroupVersion, …)`, and whether it calls `metav1.AddToGroupVersion`.

export interface KindRef {
  /** Go package alias when the type comes from another package (`metav1`), else ''. */
  readonly alias: string;
  readonly name: string;
}

export interface RegisterFacts {
  readonly group?: string;
  readonly version?: string;
  readonly kinds: readonly KindRef[];
  readonly addsCommonKinds: boolean;
  /** meta/v1 only: the `optionsTypes` list added to every group/version. */
  readonly optionsTypes: readonly string[];
}

function typeRefs(block: string): KindRef[] {
  const out: KindRef[] = [];
  for (const m of block.matchAll(/&(?:([A-Za-z_][A-Za-z0-9_]*)\.)?([A-Z][A-Za-z0-9_]*)\{\}/g)) {
    out.push({ alias: m[1] ?? '', name: m[2]! });
  }
  return out;
}

/** The text between the parenthesis opened at `open` and its match. */
function balanced(source: string, open: number): string {
  let depth = 0;
  for (let i = open; i < source.length; i++) {
    const c = source[i];
    if (c === '(' || c === '{') depth++;
    else if (c === ')' || c === '}') {
      depth--;
      if (depth === 0) return source.slice(open + 1, i);
    }
  }
  return source.slice(open + 1);
}

export function parseRegister(source: string): RegisterFacts {
  const code = source.replace(/\/\/.*$/gm, '');
  const group = /const\s+GroupName\s*=\s*"([^"]*)"/.exec(code)?.[1];
  const version = /SchemeGroupVersion\s*=\s*schema\.GroupVersion\{\s*Group:\s*GroupName,\s*Version:\s*"([^"]+)"/.exec(code)?.[1];
  const kinds: KindRef[] = [];
  for (const m of code.matchAll(/AddKnownTypes\(\s*SchemeGroupVersion\s*,/g)) {
    const open = m.index + m[0].indexOf('(');
    for (const ref of typeRefs(balanced(code, open))) {
      if (!kinds.some((k) => k.alias === ref.alias && k.name === ref.name)) kinds.push(ref);
    }
  }
  const optionsMatch = /var\s+optionsTypes\s*=\s*\[\]runtime\.Object\{/.exec(code);
  const optionsTypes = optionsMatch ? typeRefs(balanced(code, optionsMatch.index + optionsMatch[0].length - 1)).map((r) => r.name) : [];
  return {
    ...(group !== undefined ? { group } : {}),
    ...(version !== undefined ? { version } : {}),
    kinds,
    addsCommonKinds: /\bAddToGroupVersion\(\s*scheme\s*,\s*SchemeGroupVersion\s*\)/.test(code),
    optionsTypes,
  };
}
