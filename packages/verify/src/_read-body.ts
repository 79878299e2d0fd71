/** Reads a request's exact body bytes with a size cap, for the `bh` binding. */
import type { IncomingMessage } from 'node:http';
import { VerifyError } from '@tessera/protocol/errors';

/** DESIGN.md limits: request body 1 MiB. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/** Validates a `maxBodyBytes` option at construction. */
export function checkMaxBodyBytes(owner: string, value: unknown): number {
  if (value === undefined) return DEFAULT_MAX_BODY_BYTES;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new TypeError(`${owner}: option "maxBodyBytes" must be a non-negative integer`);
  }
  return value;
}

/** True when something already read the stream (e.g. a body parser mounted first): the wire bytes are gone. */
export function bodyAlreadyRead(req: IncomingMessage & { _body?: unknown }): boolean {
  return req._body === true || req.readableEnded || req.readableDidRead;
}

/**
 * Collects the body as sent, refusing past `maxBytes` with ERR_BODY_TOO_LARGE (413) as soon as the declared or
 * received length exceeds it, so an oversized body is never buffered. A request framed with no body gets its
 * empty Buffer at once, not through a promise.
 */
export function readBody(req: IncomingMessage, maxBytes: number): Buffer | Promise<Buffer> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > maxBytes) {
    return Promise.reject(new VerifyError('ERR_BODY_TOO_LARGE', 'declared content-length exceeds maxBodyBytes'));
  }
  // RFC 9112 §6.3: an HTTP/1.x request with no Transfer-Encoding and no non-zero Content-Length has no body, and
  // Node's parser frames it so. Waiting for its `end` would only cost listeners and a tick; HTTP/2 frames bodies
  // without either header, so it always takes the stream.
  if (req.httpVersionMajor === 1 && (declared === undefined || declared === '0') && req.headers['transfer-encoding'] === undefined) {
    return Buffer.alloc(0);
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    const cleanup = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    const onData = (chunk: Buffer): void => {
      received += chunk.length;
      if (received > maxBytes) {
        cleanup();
        // Stop buffering but keep draining, so the 413 reaches a client that is still sending.
        req.resume();
        reject(new VerifyError('ERR_BODY_TOO_LARGE', 'body exceeds maxBodyBytes'));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(Buffer.concat(chunks, received));
    };
    const onError = (): void => {
      cleanup();
      reject(new VerifyError('ERR_BAD_REQUEST', 'request stream failed'));
    };
    const onClose = (): void => {
      cleanup();
      reject(new VerifyError('ERR_BAD_REQUEST', 'request aborted before its body ended'));
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}
