// The local server behind `iommu-journal ui`: bound to 127.0.0.1 only, it serves a fixed list
// of assets (a request path is only ever a key into that list, never a file name) and the JSON
// API. Replay state stays here; the page fetches only what it shows.
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo } from 'node:net';
import { type CheckRun, type Finding } from '../checks/finding.js';
import { type IommuEvent, isInputError, stringifyJson } from '../domain-events/index.js';
import { type DiffReport } from '../replay/diff-report.js';
import { isNotFound } from '../replay/domain-lookup.js';
import { type ApiContext, API_NAMES, handleApi } from './api.js';
import { assetTable } from './assets.js';
import { Params } from './params.js';
import { UiSession } from './session.js';
import { type EventStore } from './store.js';

/** what `diffRuns` takes for each run (replay/diff.ts) */
export interface DiffInput {
  readonly input: string;
  readonly profile: string | null;
  readonly blocks: () => Iterable<readonly IommuEvent[]>;
}

/** the checks over one run (`store`: what its import assumed, for the checks that need a missing fact) */
export type RunChecksFn = (blocks: Iterable<readonly IommuEvent[]>, store: EventStore) => CheckRun;
export type DiffRunsFn = (a: DiffInput, b: DiffInput) => DiffReport;

export interface UiServerOptions {
  /** one store, or two for the diff view */
  readonly stores: readonly EventStore[];
  readonly port?: number;
  readonly redacted?: boolean;
  readonly runChecks?: RunChecksFn;
  readonly diffRuns?: DiffRunsFn;
  /** lines for the page's status bar from the start (assumptions, checks skipped) */
  readonly notes?: readonly string[];
}

export interface UiServer {
  readonly url: string;
  readonly port: number;
  readonly server: Server;
  readonly sessions: readonly UiSession[];
  close(): Promise<void>;
}

export const HOST = '127.0.0.1';

function send(res: ServerResponse, status: number, type: string, body: string | Buffer): void {
  res.writeHead(status, {
    'content-type': type,
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'content-security-policy': "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:",
  });
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, 'application/json; charset=utf-8', stringifyJson(value));
}

/** A Host header naming anything but this loopback server is a DNS-rebinding attempt. */
function hostOk(req: IncomingMessage, port: number): boolean {
  const h = req.headers.host;
  return h === `${HOST}:${port}` || h === `localhost:${port}`;
}

function handle(ctx: ApiContext, assets: ReturnType<typeof assetTable>, port: () => number, req: IncomingMessage, res: ServerResponse): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') return sendJson(res, 405, { error: `${req.method}: only GET` });
  if (!hostOk(req, port())) return sendJson(res, 421, { error: 'this server answers only on 127.0.0.1' });
  const raw = req.url ?? '/';
  const q = raw.indexOf('?');
  const path = q < 0 ? raw : raw.slice(0, q);
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    return sendJson(res, 400, { error: 'malformed path' });
  }
  if (decoded.includes('..') || decoded.includes('\\') || decoded.includes('\0')) return sendJson(res, 400, { error: 'path traversal refused' });
  if (path.startsWith('/api/')) {
    const name = path.slice(5);
    if (!API_NAMES.has(name)) return sendJson(res, 404, { error: `${path}: no such query` });
    try {
      return sendJson(res, 200, handleApi(ctx, name, new Params(new URLSearchParams(q < 0 ? '' : raw.slice(q + 1)))));
    } catch (err) {
      if (isNotFound(err)) return sendJson(res, 404, { error: (err as Error).message });
      if (isInputError(err)) return sendJson(res, 400, { error: (err as Error).message });
      return sendJson(res, 500, { error: `internal error: ${(err as Error).message}` });
    }
  }
  const asset = assets.get(path);
  if (!asset) return sendJson(res, 404, { error: `${path}: not found` });
  send(res, 200, asset.type, readFileSync(asset.file));
}

function findings(sessions: readonly UiSession[], runChecks: RunChecksFn | undefined, notes: string[]): Finding[][] | null {
  if (!runChecks) {
    notes.push('fault checks are not available in this build');
    return null;
  }
  return sessions.map((s) => [...runChecks(s.blocks(), s.store).findings]);
}

function diff(sessions: readonly UiSession[], diffRuns: DiffRunsFn | undefined, notes: string[]): DiffReport | null {
  if (sessions.length < 2) return null;
  if (!diffRuns) {
    notes.push('diff is not available in this build');
    return null;
  }
  const input = (s: UiSession): DiffInput => ({ input: s.store.input, profile: s.store.profile, blocks: () => s.blocks() });
  return diffRuns(input(sessions[0]), input(sessions[1]));
}

/** Loads the runs (one pass each), runs checks and diff, then listens on 127.0.0.1. */
export async function createUiServer(opts: UiServerOptions): Promise<UiServer> {
  const sessions = opts.stores.map((s) => UiSession.load(s));
  const notes: string[] = [...(opts.notes ?? [])];
  const ctx: ApiContext = {
    runs: sessions,
    findings: findings(sessions, opts.runChecks, notes),
    diff: diff(sessions, opts.diffRuns, notes),
    redacted: !!opts.redacted,
    notes,
  };
  const assets = assetTable();
  let port = 0;
  const server = createServer((req, res) => handle(ctx, assets, () => port, req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, HOST, () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://${HOST}:${port}/`,
    port,
    server,
    sessions,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
