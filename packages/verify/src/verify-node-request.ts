/** The verifier for plain `node:http` servers: read the body, verify, and answer refusals as JSON. */
import { assertKnownOptions } from '@tessera/protocol';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { TesseraError, type VerifyError, isTesseraError } from '@tessera/protocol/errors';
import type { VerifiedRequest, Verifier } from './create-verifier.js';
import { checkOf, loggerOf } from './_internals.js';
import { checkMaxBodyBytes, readBody } from './_read-body.js';
import { refusalAuditFields } from './_refusal-event.js';

/** Options of {@link verifyNodeRequest}. */
export interface VerifyNodeRequestOptions {
  /** Largest body read, in bytes; larger bodies are refused with 413. Default 1 MiB. */
  maxBodyBytes?: number;
}

/** The body that was verified, and what it proved. */
export interface VerifyNodeRequestResult {
  body: Buffer;
  verified: VerifiedRequest;
}

const OPTION_KEYS = new Set(['maxBodyBytes']);

/**
 * Reads the request body (capped) and verifies the request. Rejects with a {@link VerifyError}; answer it with
 * {@link sendVerifyError}.
 * @example
 * http.createServer(async (req, res) => {
 *   try {
 *     const { body, verified } = await verifyNodeRequest(req, verifier);
 *     res.end(`hello ${verified.installationId}`);
 *   } catch (err) {
 *     sendVerifyError(res, err);
 *   }
 * });
 */
export function verifyNodeRequest(
  req: IncomingMessage,
  verifier: Verifier,
  options: VerifyNodeRequestOptions = {},
): Promise<VerifyNodeRequestResult> {
  let read: Buffer | Promise<Buffer>;
  try {
    assertKnownOptions('verifyNodeRequest', options, OPTION_KEYS);
    read = readBody(req, checkMaxBodyBytes('verifyNodeRequest', options.maxBodyBytes));
  } catch (err) {
    return Promise.reject(err);
  }
  // Not `async`: a request with no body goes straight to the verifier, without a promise per step.
  if (!(read instanceof Promise)) return verifyBody(req, verifier, read);
  return read.then(
    (body) => verifyBody(req, verifier, body),
    (err: unknown) => {
      const refusal = err as VerifyError;
      loggerOf(verifier)?.log('warn', 'verify.refused', {
        mode: verifier.mode,
        code: refusal.code,
        reason: refusal.reason,
        ...refusalAuditFields(undefined, Date.now()),
      });
      throw refusal;
    },
  );
}

function verifyBody(req: IncomingMessage, verifier: Verifier, body: Buffer): Promise<VerifyNodeRequestResult> {
  // A built verifier's check answers at once when it can: one promise per request, not one for the check and one
  // for the result. A hand-made verifier is awaited.
  const check = checkOf(verifier);
  const input = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
  let outcome: VerifiedRequest | PromiseLike<VerifiedRequest>;
  try {
    outcome = check ? check(input) : verifier.verify(input);
  } catch (err) {
    return Promise.reject(err);
  }
  const pending = typeof (outcome as PromiseLike<VerifiedRequest>).then === 'function';
  return pending
    ? Promise.resolve(outcome).then((verified) => ({ body, verified }))
    : Promise.resolve({ body, verified: outcome as VerifiedRequest });
}

/**
 * Answers a refusal: the error's status, its headers (a 401's `WWW-Authenticate` challenge, a 503's `Retry-After`)
 * and `{"error":{"code","message"}}`. Anything that is not a Tessera error becomes a bare 500 so nothing internal
 * leaks.
 * @example
 * catch (err) { sendVerifyError(res, err); }
 */
export function sendVerifyError(res: ServerResponse, err: unknown): void {
  const error: TesseraError = isTesseraError(err) ? err : new TesseraError('ERR_INTERNAL');
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.statusCode = error.status;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.setHeader('cache-control', 'no-store');
  for (const [name, value] of Object.entries(error.headers ?? {})) res.setHeader(name, value);
  // The rest of an oversized body is not worth reading: close once the 413 is out.
  if (error.code === 'ERR_BODY_TOO_LARGE') res.setHeader('connection', 'close');
  res.end(JSON.stringify(error.toJSON()));
}
