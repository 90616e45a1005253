import { createReadStream, existsSync, statSync } from 'node:fs';
import { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';

/**
 * Serves the built admin console under `/console/` (static files; every other path inside it is
 * the single page, which routes in the browser), and sends `/` there. The API is same-origin, so
 * the console needs no CORS and its bearer token never leaves this origin.
 */

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  // Scripts and styles only from this origin; Fluent UI injects its styles at run time.
  'content-security-policy': "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
};

function notBuilt(res: ServerResponse): void {
  res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
  res.end('The console is not built. Run `npm run build:web` (npm start builds it by itself).\n');
}

export function consoleStatic(distDir: string) {
  return (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' });
      res.end();
      return Promise.resolve();
    }
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    let relative: string;
    try {
      relative = decodeURIComponent(path.replace(/^\/console\/?/, ''));
    } catch {
      relative = '';
    }
    const candidate = normalize(join(distDir, relative));
    const insideDist = candidate === distDir || candidate.startsWith(`${distDir}${sep}`);
    const isFile = insideDist && relative !== '' && existsSync(candidate) && statSync(candidate).isFile();
    const file = isFile ? candidate : join(distDir, 'index.html');
    if (!existsSync(file)) {
      notBuilt(res);
      return Promise.resolve();
    }
    // Hashed assets never change; the page itself is always fetched fresh.
    const cache = isFile && relative.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache';
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': cache, ...SECURITY_HEADERS });
    if (req.method === 'HEAD') {
      res.end();
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const stream = createReadStream(file);
      stream.on('error', () => {
        res.destroy();
        resolve();
      });
      stream.on('end', resolve);
      stream.pipe(res);
    });
  };
}

/** `/` → the console. */
export function rootRedirect(_req: IncomingMessage, res: ServerResponse): Promise<void> {
  res.writeHead(302, { location: '/console/', 'cache-control': 'no-store' });
  res.end();
  return Promise.resolve();
}
