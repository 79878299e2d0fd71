/** A request body read whole, up to a cap: refused at once on a declared length over it, and as soon as it crosses it. */
import type { IncomingMessage } from 'node:http';

export class BodyTooLarge extends Error {}

/**
 * The body's bytes, or a `BodyTooLarge` rejection; the rest of an oversized body is never read.
 * @example
 * const raw = await readBody(req, 1024 * 1024);
 */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > maxBytes) {
      reject(new BodyTooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > maxBytes) {
        req.off('data', onData);
        reject(new BodyTooLarge());
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
