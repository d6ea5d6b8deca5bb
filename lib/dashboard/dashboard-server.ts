/**
 * Serves the dashboard: three static files (plain HTML, JS and CSS; no build step) and
 * `/api/state`, the JSON the page polls every second.
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { DashboardState } from './dashboard-state';

const STATIC: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/index.html': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/dashboard.js': { file: 'dashboard.js', type: 'text/javascript; charset=utf-8' },
  '/dashboard.css': { file: 'dashboard.css', type: 'text/css; charset=utf-8' },
};

const cache = new Map<string, Buffer>();

function asset(file: string): Buffer {
  let b = cache.get(file);
  if (!b) cache.set(file, (b = readFileSync(join(__dirname, 'static', file))));
  return b;
}

/** Handles the dashboard's paths; false for any other, so servers can chain handlers. */
export function handleDashboardRequest(
  req: IncomingMessage,
  res: ServerResponse,
  state: () => DashboardState | undefined,
): boolean {
  const path = new URL(req.url ?? '/', 'http://dashboard').pathname;
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  if (path === '/api/state') {
    const s = state();
    res.writeHead(s ? 200 : 503, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify(s ?? { error: 'the mesh is starting' }));
    return true;
  }
  const a = STATIC[path];
  if (!a) return false;
  res.writeHead(200, {
    'content-type': a.type,
    'cache-control': 'no-cache',
    'x-content-type-options': 'nosniff',
    'content-security-policy': "default-src 'self'; style-src 'self'; script-src 'self'; img-src 'self' data:",
  });
  res.end(req.method === 'HEAD' ? undefined : asset(a.file));
  return true;
}
