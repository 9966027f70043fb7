// The only files the server ever reads: a fixed table from URL path to file, built at start.
// The page's own modules live in web/static/ (plain ES modules, no build step); the chart
// library comes from node_modules (uPlot), so nothing is fetched from the network.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Asset {
  readonly file: string;
  readonly type: string;
}

/** page modules in web/static/, served at /<name> */
export const PAGE_FILES = ['index.html', 'style.css', 'app.js', 'api.js', 'fmt.js', 'timeline.js', 'iova-view.js', 'pagetable.js', 'panels.js', 'charts.js', 'findings.js', 'diff.js'] as const;

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  css: 'text/css; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
};

/** web/static, from the sources (web/assets.ts) or the build (dist/web/assets.js) */
export function staticDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    const cand = join(dir, 'web', 'static');
    if (existsSync(join(cand, 'index.html'))) return cand;
    if (existsSync(join(dir, 'static', 'index.html')) && dir.endsWith('web')) return join(dir, 'static');
    dir = dirname(dir);
  }
  throw new Error('web/static/index.html not found next to the program');
}

export function assetTable(): ReadonlyMap<string, Asset> {
  const dir = staticDir();
  const m = new Map<string, Asset>();
  for (const name of PAGE_FILES) m.set('/' + name, { file: join(dir, name), type: TYPES[name.split('.').pop()!] });
  m.set('/', m.get('/index.html')!);
  const uplot = dirname(createRequire(import.meta.url).resolve('uplot'));
  m.set('/vendor/uPlot.esm.js', { file: join(uplot, 'uPlot.esm.js'), type: TYPES.js });
  m.set('/vendor/uPlot.min.css', { file: join(uplot, 'uPlot.min.css'), type: TYPES.css });
  return m;
}
