// Writes pkg/api/schema/generated/*.ts from upstream k8s.io/api and k8s.io/apimachinery trees.
//   npx tsx scripts/gen-api-schema/main.ts <api-repo> <apimachinery-repo> [branch] [--aggregator <kube-aggregator-repo>] [--out dir] [--check]
// --check compares instead of writing and exits 1 when the committed files are stale.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { generate } from './generate';
import { openUpstreamTree } from './upstream-source';

function main(argv: readonly string[]): number {
  const positional: string[] = [];
  let out = resolve(__dirname, '../../pkg/api/schema/generated');
  let check = false;
  let verbose = false;
  let aggregatorRepo: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--out') out = resolve(argv[++i] ?? '');
    else if (a === '--check') check = true;
    else if (a === '--verbose') verbose = true;
    else if (a === '--aggregator') aggregatorRepo = argv[++i];
    else positional.push(a);
  }
  const [apiRepo, machineryRepo, branch = 'release-1.36'] = positional;
  if (!apiRepo || !machineryRepo) {
    process.stderr.write('usage: gen-api-schema <k8s.io/api repo> <k8s.io/apimachinery repo> [branch] [--aggregator <k8s.io/kube-aggregator repo>] [--out dir] [--check] [--verbose]\n');
    return 2;
  }
  const started = performance.now();
  const result = generate(openUpstreamTree(apiRepo, branch), openUpstreamTree(machineryRepo, branch), aggregatorRepo ? openUpstreamTree(aggregatorRepo, branch) : undefined);
  const existing = existsSync(out) ? readdirSync(out).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts')) : [];
  let bytes = 0;
  for (const content of result.files.values()) bytes += Buffer.byteLength(content);
  if (check) {
    const stale = [...result.files].filter(([name, content]) => !existsSync(join(out, name)) || readFileSync(join(out, name), 'utf8') !== content).map(([n]) => n);
    const extra = existing.filter((f) => !result.files.has(f));
    if (stale.length + extra.length > 0) {
      process.stderr.write(`generated schema is stale: ${[...stale, ...extra].join(', ')}\n`);
      return 1;
    }
  } else {
    mkdirSync(out, { recursive: true });
    for (const f of existing) if (!result.files.has(f)) rmSync(join(out, f));
    for (const [name, content] of result.files) writeFileSync(join(out, name), content);
  }
  if (verbose) for (const w of result.warnings) process.stderr.write(`warning: ${w}\n`);
  process.stdout.write(
    `${check ? 'checked' : 'wrote'} ${result.files.size} files, ${result.messageCount} messages, ${result.fieldCount} fields, ` +
      `${(bytes / 1024).toFixed(0)} KiB, ${result.warnings.length} warnings, in ${(performance.now() - started).toFixed(0)} ms\n`,
  );
  return 0;
}

process.exitCode = main(process.argv.slice(2));
