import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The demo page's folder: `demo/` next to this file, or, when this file runs
 * compiled from `.sample-build/sample/`, the same folder in the source tree
 * (so edits to the page show on reload, with no build step).
 */
export const DEMO_DIR = [
  new URL('./demo/', import.meta.url),
  new URL('../../sample/demo/', import.meta.url),
]
  .map((url) => fileURLToPath(url))
  .find((dir) => existsSync(join(dir, 'index.html')))!;

/** The only files served: nothing else in the folder (or outside it) is reachable. */
const FILES: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/index.html': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/demo.js': { file: 'demo.js', type: 'text/javascript; charset=utf-8' },
};

/**
 * A tiny static server for the demo page. It runs on a second origin
 * (DEMO_ORIGIN, http://127.0.0.1:3001 by default), so the page's calls to the
 * API on http://localhost:3000 are cross-origin and the browser applies CORS.
 */
export function createDemoServer(dir: string = DEMO_DIR): Server {
  return createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://demo').pathname;
    const entry = Object.hasOwn(FILES, path) ? FILES[path] : undefined;
    if (entry === undefined || (request.method !== 'GET' && request.method !== 'HEAD')) {
      response.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
      response.end('Not found\n');
      return;
    }
    readFile(join(dir, entry.file)).then(
      (body) => {
        response.writeHead(200, { 'Content-Type': entry.type, 'Cache-Control': 'no-store' });
        response.end(request.method === 'HEAD' ? undefined : body);
      },
      (error: Error) => {
        response.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
        response.end(`Cannot read ${entry.file}: ${error.message}\n`);
      },
    );
  });
}
