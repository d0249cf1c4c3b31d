import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webmanifest': 'application/manifest+json',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

/**
 * What the browser may do with our pages: scripts and connections only to us,
 * media only from us or local streams, framed only by the sites a deployer
 * names (`FRAME_ANCESTORS`; nobody by default).
 * `style-src 'unsafe-inline'` is for React's style attributes (tile layout).
 */
export function securityHeaders(frameAncestors: readonly string[] = []): Readonly<Record<string, string>> {
  return {
    'Content-Security-Policy': [
      "default-src 'self'",
      "script-src 'self'",
      "connect-src 'self'",
      "img-src 'self' data: blob:",
      "media-src 'self' blob: mediastream:",
      "style-src 'self' 'unsafe-inline'",
      "object-src 'none'",
      "base-uri 'none'",
      `frame-ancestors ${frameAncestors.length === 0 ? "'none'" : frameAncestors.join(' ')}`,
      "form-action 'self'",
    ].join('; '),
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Permissions-Policy': 'camera=(self), microphone=(self), display-capture=(self), speaker-selection=(self)',
  };
}

/** Vite puts content-hashed files under /assets: they never change, so cache them for a year. */
const IMMUTABLE_PREFIX = '/assets/';

/**
 * Serves the built web app: files as they are, and index.html for app routes
 * such as /r/<room> so a shared link opens straight into the room.
 */
export function createStaticSite(root: string, frameAncestors: readonly string[] = []) {
  const base = normalize(root + sep);
  const headers = securityHeaders(frameAncestors);

  return async function serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const method = request.method ?? 'GET';
    if (method !== 'GET' && method !== 'HEAD') {
      return plain(response, headers, 405, 'Method Not Allowed', { Allow: 'GET, HEAD' });
    }
    const pathname = safePathname(request.url);
    if (pathname === undefined) return plain(response, headers, 400, 'Bad Request');

    const candidate = normalize(join(base, pathname));
    if (!candidate.startsWith(base)) return plain(response, headers, 404, 'Not Found');

    const file = (await fileAt(candidate)) ?? (isAppRoute(pathname) ? await fileAt(join(base, 'index.html')) : undefined);
    if (!file) {
      return root === '' || !(await fileAt(join(base, 'index.html')))
        ? plain(response, headers, 404, 'Not Found: the web app is not built here (run npm run build)')
        : plain(response, headers, 404, 'Not Found');
    }

    const etag = `"${file.size.toString(16)}-${Math.floor(file.mtimeMs).toString(16)}"`;
    const fileHeaders: Record<string, string | number> = {
      ...headers,
      'Content-Type': CONTENT_TYPES[extname(file.path)] ?? 'application/octet-stream',
      'Cache-Control': pathname.startsWith(IMMUTABLE_PREFIX) ? 'public, max-age=31536000, immutable' : 'no-cache',
      ETag: etag,
    };
    if (request.headers['if-none-match'] === etag) {
      response.writeHead(304, fileHeaders).end();
      return;
    }
    response.writeHead(200, { ...fileHeaders, 'Content-Length': file.size });
    if (method === 'HEAD') {
      response.end();
      return;
    }
    createReadStream(file.path)
      .on('error', () => response.destroy())
      .pipe(response);
  };
}

function safePathname(url: string | undefined): string | undefined {
  try {
    const pathname = decodeURIComponent(new URL(url ?? '/', 'http://localhost').pathname);
    return pathname.includes('\0') ? undefined : pathname;
  } catch {
    // Malformed percent-encoding.
    return undefined;
  }
}

/** Paths without a file extension belong to the single-page app. */
function isAppRoute(pathname: string): boolean {
  return extname(pathname) === '';
}

async function fileAt(path: string): Promise<{ path: string; size: number; mtimeMs: number } | undefined> {
  try {
    let stats = await stat(path);
    if (stats.isDirectory()) {
      path = join(path, 'index.html');
      stats = await stat(path);
    }
    return stats.isFile() ? { path, size: stats.size, mtimeMs: stats.mtimeMs } : undefined;
  } catch {
    // Missing or unreadable: the caller decides between index.html and 404.
    return undefined;
  }
}

function plain(response: ServerResponse, headers: Readonly<Record<string, string>>, status: number, text: string, extra: Record<string, string> = {}): void {
  response.writeHead(status, { ...headers, 'Content-Type': 'text/plain; charset=utf-8', ...extra });
  response.end(text);
}
