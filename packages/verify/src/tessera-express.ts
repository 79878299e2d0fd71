/** Express middleware around the verifier, typed structurally so the verifier needs no express at run time. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { VerifyError } from '@tessera/protocol/errors';
import { createVerifier, type VerifiedRequest } from './create-verifier.js';
import { loggerOf } from './_internals.js';
import type { VerifierOptions } from './verifier-options.js';
import { bodyAlreadyRead, checkMaxBodyBytes, readBody } from './_read-body.js';
import { sendVerifyError } from './verify-node-request.js';
import { refusalAuditFields } from './_refusal-event.js';

declare global {
  // Express types its request through this global namespace; merging here types req.tessera for apps.
  namespace Express {
    interface Request {
      /** What Tessera's verifier proved about this request (set by `tesseraExpress`). */
      tessera?: VerifiedRequest;
      /** The exact body bytes received (set by `tesseraExpress` or `captureRawBody`). */
      rawBody?: Buffer;
    }
  }
}

/** The parts of an Express request the middleware touches; `express.Request` satisfies it. */
interface ExpressLikeRequest extends IncomingMessage {
  originalUrl?: string;
  body?: unknown;
  rawBody?: Buffer;
  tessera?: VerifiedRequest;
  /** body-parser 1.x's "already parsed" flag; 2.x checks the stream instead, which reading it also satisfies. */
  _body?: boolean;
}

/** An Express (or Connect) middleware. */
export type TesseraMiddleware = (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void;

/** Options of {@link tesseraExpress}: the verifier's options plus a body cap. */
export type TesseraExpressOptions = VerifierOptions & {
  /** Largest body read, in bytes; larger bodies are refused with 413. Default 1 MiB. */
  maxBodyBytes?: number;
};

/** `application/json` and any `application/*+json` (RFC 6839 §3.1), parameters ignored. */
const JSON_TYPE = /^application\/(?:[\w.-]+\+)?json$/i;

function isJson(req: IncomingMessage): boolean {
  const type = req.headers['content-type']?.split(';', 1)[0]?.trim() ?? '';
  const encoding = req.headers['content-encoding'];
  // A compressed body is verified as sent but left unparsed: bh covers the wire bytes, not the inflated ones.
  return JSON_TYPE.test(type) && (encoding === undefined || encoding.toLowerCase() === 'identity');
}

/**
 * For apps that must parse before verifying: keeps body-parser's bytes so the verifier can hash them. Only
 * identity-encoded bodies hash as sent (body-parser hands over inflated bytes).
 * @example
 * app.use(express.json({ verify: captureRawBody }), tesseraExpress(options));
 */
export function captureRawBody(req: IncomingMessage, _res: ServerResponse, buf: Buffer, _encoding?: string): void {
  (req as ExpressLikeRequest).rawBody = buf;
}

/**
 * Verifies every request before the app sees it; on success sets `req.tessera` (and `req.rawBody`) and calls
 * `next()`, on refusal answers the error's status with `{"error":{"code","message"}}`. Mount it before
 * `express.json()`: it then reads the body itself and parses JSON into `req.body`. Mounted after a parser that kept
 * no raw bytes, it answers 500 ERR_VERIFY_MISCONFIGURED, since the signed bytes are gone.
 * @example
 * app.use(tesseraExpress({ mode: 'jwt', secrets, issuer: 'order-lookup', publicOrigin: 'https://orders.acme.com' }));
 * app.use(express.json());
 * app.post('/orders', (req, res) => res.json({ installation: req.tessera?.installationId }));
 */
export function tesseraExpress(options: TesseraExpressOptions): TesseraMiddleware {
  const { maxBodyBytes: maxBodyOption, ...verifierOptions } = options ?? ({} as TesseraExpressOptions);
  const maxBodyBytes = checkMaxBodyBytes('tesseraExpress', maxBodyOption);
  const verifier = createVerifier(verifierOptions as VerifierOptions);
  const logger = loggerOf(verifier);
  const { mode } = verifier;

  async function handle(req: ExpressLikeRequest, res: ServerResponse, next: (err?: unknown) => void): Promise<void> {
    const captured = req.rawBody;
    if (captured === undefined && bodyAlreadyRead(req)) {
      logger?.log('error', 'verify.misconfigured', {
        mode,
        code: 'ERR_VERIFY_MISCONFIGURED',
        reason: 'the body was read before tesseraExpress: mount it before body parsers, or use captureRawBody',
      });
      sendVerifyError(res, new VerifyError('ERR_VERIFY_MISCONFIGURED', 'body read before the verifier'));
      return;
    }
    let body: Buffer;
    try {
      body = captured ?? (await readBody(req, maxBodyBytes));
    } catch (err) {
      const refusal = err as VerifyError;
      logger?.log('warn', 'verify.refused', { mode, code: refusal.code, reason: refusal.reason, ...refusalAuditFields(undefined, Date.now()) });
      sendVerifyError(res, refusal);
      return;
    }
    let verified: VerifiedRequest;
    try {
      // originalUrl: under app.use('/api', …) Express strips the mount path from req.url, but the token signed it.
      verified = await verifier.verify({ method: req.method ?? '', url: req.originalUrl ?? req.url ?? '', headers: req.headers, body });
    } catch (err) {
      sendVerifyError(res, err);
      return;
    }
    if (captured === undefined) {
      req.rawBody = body;
      if (isJson(req)) {
        try {
          // body-parser's convention: an empty JSON body parses as {}.
          req.body = body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
        } catch {
          sendVerifyError(res, new VerifyError('ERR_BAD_REQUEST', 'body is not JSON', { message: 'Request body is not valid JSON' }));
          return;
        }
      }
      req._body = true;
    }
    req.tessera = verified;
    next();
  }

  return (req, res, next) => {
    handle(req as ExpressLikeRequest, res, next).catch((err: unknown) => sendVerifyError(res, err));
  };
}
