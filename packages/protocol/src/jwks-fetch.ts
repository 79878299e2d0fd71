/** The JWKS fetching policy (DESIGN.md) both JWKS readers share: the session guard's and the customer's verifier's. */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isLoopbackHost } from './loopback.js';

/** DESIGN.md "JWKS fetching": body cap 256 KiB. */
export const JWKS_MAX_BYTES = 256 * 1024;
/** DESIGN.md "JWKS fetching": a fetch gives up after 3 s, whatever state it is in. */
export const JWKS_TIMEOUT_MS = 3_000;

/**
 * A JWKS fetch failed; `message` is a short reason for logs (never a body, header or token).
 * @example
 * if (err instanceof JwksFetchError) logger.log('warn', 'session.jwks_unavailable', { reason: err.message });
 */
export class JwksFetchError extends Error {
  override readonly name = 'JwksFetchError';
}

/**
 * Checks a JWKS URL against the policy: absolute, no credentials or fragment, HTTPS (plain HTTP only to a loopback
 * host when `allowLoopbackHttp`). Returns the URL, or the rule it broke, for the caller's option error.
 * @example
 * const checked = checkJwksUrl(options.jwksUrl, false);
 * if (typeof checked === 'string') throw new TypeError(`option "jwksUrl" ${checked}`);
 */
export function checkJwksUrl(value: string, allowLoopbackHttp: boolean): URL | string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be an absolute URL';
  }
  if (url.username !== '' || url.password !== '') return 'must not carry credentials';
  if (url.hash !== '' || value.includes('#')) return 'must not carry a fragment';
  if (url.protocol === 'https:') return url;
  if (url.protocol === 'http:' && allowLoopbackHttp && isLoopbackHost(url.hostname)) return url;
  return 'must be https:// (http:// only to a loopback host in local development)';
}

/**
 * Fetches the JSON document at `url` and parses it. node:http, not `fetch` or jose's `createRemoteJWKSet`: it follows
 * no redirect, lets a response be refused by its `content-length` and capped as bytes arrive (`fetch` caps only after
 * buffering, jose's fetcher not at all), and loads no undici. The deadline covers connecting, the headers and the
 * whole body, so a server dripping bytes cannot hold the caller. A dedicated socket per fetch (`agent: false`), and
 * nothing ambient is sent: no cookies, no `Authorization`, no credentials from the URL.
 * @example
 * const jwks = await fetchJwksDocument(new URL('https://platform.example.com/jwks.json'));
 */
export function fetchJwksDocument(url: URL, init: { signal?: AbortSignal; timeoutMs?: number; maxBytes?: number } = {}): Promise<unknown> {
  const maxBytes = init.maxBytes ?? JWKS_MAX_BYTES;
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (reason: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      reject(new JwksFetchError(reason));
    };
    const timer = setTimeout(() => fail('timed out'), init.timeoutMs ?? JWKS_TIMEOUT_MS);
    const req = request(url, {
      method: 'GET',
      headers: { accept: 'application/jwk-set+json, application/json' },
      ...(init.signal ? { signal: init.signal } : {}),
      agent: false,
    });
    req.on('error', () => fail(init.signal?.aborted ? 'timed out' : 'connection failed'));
    req.on('response', (res: IncomingMessage) => {
      const status = res.statusCode ?? 0;
      if (status >= 300 && status < 400) return fail(`answered ${status}: redirects are not followed`);
      if (status !== 200) return fail(`answered ${status}`);
      if (Number(res.headers['content-length'] ?? 0) > maxBytes) return fail(`content-length over ${maxBytes} bytes`);
      const chunks: Buffer[] = [];
      let received = 0;
      res.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received > maxBytes) return fail(`body over ${maxBytes} bytes`);
        chunks.push(chunk);
      });
      res.on('error', () => fail(init.signal?.aborted ? 'timed out' : 'response failed'));
      res.on('end', () => {
        if (settled) return;
        let document: unknown;
        try {
          document = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks)));
        } catch {
          return fail('body is not JSON');
        }
        settled = true;
        clearTimeout(timer);
        resolve(document);
      });
    });
    req.end();
  });
}
