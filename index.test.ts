// The library as a TypeScript user gets it: docs/library.md's example, exactly as written there,
// compiled by tsc against the package's exports (the built dist/ and its .d.ts, resolved by the
// package's own name) and run on the bundled demo journal, printing what the page says it
// prints; and `npm pack` ships every file the exports name.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// inside the repository (the package resolves itself by name from here), and git-ignored
const dir = join('.scratch', `library-${process.pid}`);

beforeAll(() => mkdirSync(dir, { recursive: true }));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The first ```ts block of the page, and the output block after it. */
function example(): { code: string; output: string } {
  const m = /```ts\n([\s\S]*?)```[\s\S]*?```\n([\s\S]*?)```/.exec(readFileSync('docs/library.md', 'utf8'));
  expect(m, 'docs/library.md has a ```ts example and its output').not.toBeNull();
  return { code: m![1], output: m![2] };
}

describe('iommu-journal as a library', () => {
  it("docs/library.md's example compiles against the exported types and runs as the page says", () => {
    expect(existsSync('dist/replay/index.d.ts'), 'dist/ is built with declarations (npm ci runs prepare)').toBe(true);
    const src = join(dir, 'example.ts');
    const { code, output } = example();
    writeFileSync(src, code);
    const program = ts.createProgram([src], {
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      target: ts.ScriptTarget.ES2022,
      lib: ['lib.es2023.d.ts'],
      types: ['node'],
      strict: true,
      skipLibCheck: true,
      outDir: dir,
      rootDir: dir,
    });
    const diags = ts.getPreEmitDiagnostics(program).concat(program.emit().diagnostics);
    expect(diags.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'))).toEqual([]);
    // the imports went through the exports map to the built declarations, not to the sources
    const files = program.getSourceFiles().map((f) => f.fileName);
    expect(files.some((f) => f.endsWith('dist/replay/index.d.ts'))).toBe(true);
    expect(files.some((f) => f.endsWith('/replay/index.ts') && !f.includes('dist/'))).toBe(false);
    // run from the repository root, where the example finds its default journal
    const run = spawnSync(process.execPath, [join(dir, 'example.js')], { encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe(output);
  });

  it('npm pack ships every file the exports point at', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { exports: Record<string, string | Record<string, string>>; types: string; bin: Record<string, string> };
    const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { encoding: 'utf8' });
    const shipped = new Set((JSON.parse(out) as { files: { path: string }[] }[])[0].files.map((f) => f.path));
    const targets = [pkg.types, ...Object.values(pkg.bin), ...Object.values(pkg.exports).flatMap((v) => (typeof v === 'string' ? [v] : Object.values(v)))];
    for (const t of targets) expect(shipped.has(t.replace(/^\.\//, '')), t).toBe(true);
    // what the command line reads at run time: the page's assets and the bundled workloads
    expect(shipped.has('web/static/index.html')).toBe(true);
    expect(shipped.has('fixtures/workloads/nic.wl')).toBe(true);
    expect([...shipped].some((f) => f.endsWith('.test.js') || f.startsWith('dist/bench/'))).toBe(false);
  });
});
