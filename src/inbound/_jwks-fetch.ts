/** Fetches a JWKS document over node:http(s) within the JWKS policy's limits: no redirects, size cap, abortable. */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';

/**
 * DESIGN.md "JWKS fetching": body cap 256 KiB.
 * @example
 * fetchJwksDocument(url, { signal, maxBytes: JWKS_MAX_BYTES })
 */
export const JWKS_MAX_BYTES = 256 * 1024;

/**
 * A JWKS fetch failed; `message` is a short reason for logs (never a body, header or token).
 * @example
 * if (err instanceof JwksFetchError) logger.log('warn', 'session.jwks_unavailable', { reason: err.message });
 */
export class JwksFetchError extends Error {
  override readonly name = 'JwksFetchError';
}

/**
 * Fetches the JSON document at `url` and parses it. Node's http client, not `fetch` or jose's `createRemoteJWKSet`,
 * because it lets us refuse a response by its `content-length` and count bytes as they arrive: `fetch` would only
 * cap after buffering, and jose's fetcher has no size cap. Redirects are never followed (node:http follows none)
 * and nothing ambient is sent: no cookies, no `Authorization`, no credentials from the URL.
 * @example
 * const jwks = await fetchJwksDocument(new URL('https://platform.example.com/jwks.json'), { signal: controller.signal });
 */
export function fetchJwksDocument(
  url: URL,
  init: { signal: AbortSignal; maxBytes?: number },
): Promise<unknown> {
  const maxBytes = init.maxBytes ?? JWKS_MAX_BYTES;
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (reason: string): void => {
      if (settled) return;
      settled = true;
      req.destroy();
      reject(new JwksFetchError(reason));
    };
    const req = request(url, {
      method: 'GET',
      headers: { accept: 'application/jwk-set+json, application/json' },
      signal: init.signal,
      // A dedicated agent per fetch: no pooled socket from another caller, and nothing kept alive between fetches.
      agent: false,
    });
    req.on('error', () => fail(init.signal.aborted ? 'timed out' : 'connection failed'));
    req.on('response', (res: IncomingMessage) => {
      const status = res.statusCode ?? 0;
      if (status >= 300 && status < 400) return fail(`answered ${status}: redirects are not followed`);
      if (status !== 200) return fail(`answered ${status}`);
      const declared = Number(res.headers['content-length'] ?? 0);
      if (declared > maxBytes) return fail(`content-length over ${maxBytes} bytes`);
      const chunks: Buffer[] = [];
      let received = 0;
      res.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received > maxBytes) return fail(`body over ${maxBytes} bytes`);
        chunks.push(chunk);
      });
      res.on('error', () => fail(init.signal.aborted ? 'timed out' : 'response failed'));
      res.on('end', () => {
        if (settled) return;
        let document: unknown;
        try {
          document = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks)));
        } catch {
          return fail('body is not JSON');
        }
        settled = true;
        resolve(document);
      });
    });
    req.end();
  });
}
