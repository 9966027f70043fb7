// Module hooks for a worker thread started from TypeScript sources (under vitest, which
// transforms the test's own modules but not a worker's): a relative `./x.js` that does not exist
// resolves to `./x.ts`, and .ts files lose their types. The transform is the one vitest's own
// Vite runs (oxc, through rolldown, a dependency of vite); without it, TypeScript's transpiler
// (many times slower). Compiled code (dist/) never needs any of this.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

async function transformer() {
  try {
    const { transformSync } = await import('rolldown/utils');
    return (file, source) => {
      const out = transformSync(file, source, { lang: 'ts' });
      if (out.errors.length) throw new Error(`${file}: ${out.errors.map((e) => e.message).join('; ')}`);
      return out.code;
    };
  } catch {
    const ts = (await import('typescript')).default;
    return (file, source) =>
      ts.transpileModule(source, { fileName: file, compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, isolatedModules: true } }).outputText;
  }
}

let strip = null;

export async function resolve(specifier, context, next) {
  if ((specifier.startsWith('./') || specifier.startsWith('../')) && specifier.endsWith('.js') && context.parentURL?.endsWith('.ts')) {
    const asTs = new URL(specifier.slice(0, -3) + '.ts', context.parentURL);
    if (!existsSync(fileURLToPath(new URL(specifier, context.parentURL))) && existsSync(fileURLToPath(asTs))) return { url: asTs.href, shortCircuit: true };
  }
  return next(specifier, context);
}

export async function load(url, context, next) {
  if (!url.startsWith('file:') || !url.endsWith('.ts')) return next(url, context);
  const { source } = await next(url, { ...context, format: 'module' });
  strip ??= await transformer();
  return { format: 'module', source: strip(fileURLToPath(url), String(source)), shortCircuit: true };
}
