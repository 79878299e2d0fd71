/** The dev platform's product page: a fixed set of static files from one folder, served under a strict CSP. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import escapeHtml from 'escape-html';

/** Only plain names in the page folder: no separators, no dot-segments, so no path escapes it. */
const FILE_NAME = /^[a-z0-9][a-z0-9-]*\.(html|js|css)$/;
const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
};
/** In index.html, replaced by the functions origin so the page needs no inline script to learn it. */
const FUNCTIONS_URL_PLACEHOLDER = '__TESSERA_FUNCTIONS_URL__';

/**
 * A static answer: status, headers, body.
 * @example
 * const page: PageResponse | undefined = await readPage(dir, '/', 'http://127.0.0.1:4000');
 */
export interface PageResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * No inline script or style, no framing, no plugins; fetches only to itself (the session endpoint) and the functions,
 * and sockets only to the origins named (the customer's live feed).
 * `form-action 'none'` because the page submits through fetch, never a form navigation.
 * @example
 * res.setHeader('content-security-policy', contentSecurityPolicy('http://127.0.0.1:4000'));
 */
export function contentSecurityPolicy(functionsOrigin: string, socketOrigins: readonly string[] = []): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    `connect-src 'self' ${[functionsOrigin, ...socketOrigins].join(' ')}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'self'",
  ].join('; ');
}

/**
 * Reads `/`, `/index.html` or `/name.ext` from the page folder; anything else is `undefined` (a 404).
 * @example
 * const page = await readPage('demo/product', '/product.js', 'http://127.0.0.1:4000');
 */
export async function readPage(
  pageDir: string,
  pathname: string,
  functionsOrigin: string,
  socketOrigins: readonly string[] = [],
): Promise<PageResponse | undefined> {
  const name = pathname === '/' ? 'index.html' : pathname.slice(1);
  const match = FILE_NAME.exec(name);
  if (match === null) return undefined;
  let text: string;
  try {
    text = await readFile(join(pageDir, name), 'utf8');
  } catch {
    return undefined;
  }
  const ext = match[1] as string;
  if (ext === 'html') text = text.split(FUNCTIONS_URL_PLACEHOLDER).join(escapeHtml(functionsOrigin));
  return {
    status: 200,
    headers: {
      'content-type': TYPES[ext] as string,
      'content-security-policy': contentSecurityPolicy(functionsOrigin, socketOrigins),
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-store',
    },
    body: text,
  };
}
