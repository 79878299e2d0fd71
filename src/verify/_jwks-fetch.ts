/** Fetches the app's JWKS over node:http(s) within the JWKS policy: no redirects, 3 s, 256 KiB, nothing ambient sent. */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';

/** DESIGN.md "JWKS fetching": body cap 256 KiB. */
export const JWKS_MAX_BYTES = 256 * 1024;
/** DESIGN.md "JWKS fetching": a fetch gives up after 3 s, whatever state it is in. */
export const JWKS_TIMEOUT_MS = 3_000;

/**
 * Gets and parses the JSON document at `url`; rejects with a short reason for logs (never a body or header).
 * A copy of the session guard's fetcher, not an import: `tessera/verify` may depend on no other part but protocol
 * (it is what customers install). node:http, not `fetch`: it follows no redirect, lets the body be capped as it
 * arrives, and loads no undici. A dedicated socket per fetch (`agent: false`); no cookie, `Authorization` or
 * URL credentials are ever sent (the URL was checked to carry none).
 * @example
 * const document = await fetchJwks(new URL('https://app.example.com/.well-known/jwks.json'));
 */
export function fetchJwks(url: URL, timeoutMs = JWKS_TIMEOUT_MS): Promise<unknown> {
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (reason: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      reject(new Error(reason));
    };
    // The deadline covers connecting, the headers and the whole body: a server dripping bytes cannot hold us.
    const timer = setTimeout(() => fail('timed out'), timeoutMs);
    const req = request(url, { method: 'GET', headers: { accept: 'application/jwk-set+json, application/json' }, agent: false });
    req.on('error', () => fail('connection failed'));
    req.on('response', (res: IncomingMessage) => {
      const status = res.statusCode ?? 0;
      if (status >= 300 && status < 400) return fail(`answered ${status}: redirects are not followed`);
      if (status !== 200) return fail(`answered ${status}`);
      if (Number(res.headers['content-length'] ?? 0) > JWKS_MAX_BYTES) return fail(`content-length over ${JWKS_MAX_BYTES} bytes`);
      const chunks: Buffer[] = [];
      let received = 0;
      res.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received > JWKS_MAX_BYTES) return fail(`body over ${JWKS_MAX_BYTES} bytes`);
        chunks.push(chunk);
      });
      res.on('error', () => fail('response failed'));
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
