// Kubernetes writes typed object literals in mutating policies, `Object{spec: Object.spec{replicas: 1}}`
// and `JSONPatch{op: "add", path: "/x", value: 1}`. @bufbuild/cel only constructs protobuf
// messages, so such literals are rewritten into CEL maps (`{"spec": {"replicas": 1}}`) before
// compiling: the type name is dropped and each field name quoted. Strings are left untouched.
const TYPE_NAMES = ['Object', 'JSONPatch'];

function isIdentStart(c: string | undefined): boolean {
  return c !== undefined && /[A-Za-z_]/.test(c);
}

function isIdent(c: string | undefined): boolean {
  return c !== undefined && /[A-Za-z0-9_]/.test(c);
}

export function rewriteObjectLiterals(expr: string): string {
  let out = '';
  let i = 0;
  const stack: Array<'msg' | 'other'> = [];
  let expectField = false;
  while (i < expr.length) {
    const c = expr[i]!;
    if (c === '"' || c === "'") {
      const triple = expr.startsWith(c.repeat(3), i);
      const quote = triple ? c.repeat(3) : c;
      let j = i + quote.length;
      while (j < expr.length && !expr.startsWith(quote, j)) j += expr[j] === '\\' ? 2 : 1;
      j += quote.length;
      out += expr.slice(i, j);
      i = j;
      expectField = false;
      continue;
    }
    if (isIdentStart(c) && !isIdent(expr[i - 1]) && expr[i - 1] !== '.') {
      let j = i;
      while (isIdent(expr[j])) j++;
      const word = expr.slice(i, j);
      if (expectField && stack[stack.length - 1] === 'msg') {
        let k = j;
        while (/\s/.test(expr[k] ?? '')) k++;
        if (expr[k] === ':') {
          out += JSON.stringify(word);
          i = j;
          expectField = false;
          continue;
        }
      }
      if (TYPE_NAMES.includes(word)) {
        let k = j;
        while (expr[k] === '.' && isIdentStart(expr[k + 1])) {
          k++;
          while (isIdent(expr[k])) k++;
        }
        let m = k;
        while (/\s/.test(expr[m] ?? '')) m++;
        if (expr[m] === '{') {
          out += '{';
          stack.push('msg');
          expectField = true;
          i = m + 1;
          continue;
        }
      }
      out += word;
      i = j;
      expectField = false;
      continue;
    }
    if (c === '{' || c === '[' || c === '(') stack.push('other');
    else if (c === '}' || c === ']' || c === ')') stack.pop();
    else if (c === ',' && stack[stack.length - 1] === 'msg') expectField = true;
    else if (!/\s/.test(c)) expectField = false;
    out += c;
    i++;
  }
  return out;
}
