/** Shared secrets with an optional end: a rotation's grace window that the verifier closes by itself. */
import type { Logger } from '@tessera/protocol/log';
import type { VerifierMode } from './verifier-options.js';

/** A configured secret and the last instant it matches, in epoch milliseconds (`Infinity`: no end). */
export interface WindowedSecret {
  secret: string;
  notAfterMs: number;
}

/** The prepared forms (digests, MAC functions) of the secrets, split by whether their window is still open. */
export interface SecretWindow<T> {
  /** Secrets that still match, in configured order (current first). */
  active(): readonly T[];
  /** Secrets past their `notAfter`: only to tell, in a refusal's log reason, that the app still uses one. */
  expired(): readonly T[];
}

interface Slot<T> {
  index: number;
  prepared: T;
  notAfterMs: number;
}

/**
 * Prepares each secret once and hands out the ones whose window is open. With no `notAfter` configured nothing is
 * checked per request; otherwise one clock read and one comparison, until the next window closes. A closed window
 * stays closed (a clock that steps back does not reopen it) and is logged once as `verify.secret_expired`, naming
 * the entry's position and its `notAfter`, never the secret.
 * @example
 * const macs = createSecretWindow(options.secrets, (s) => createHmacSha256(Buffer.from(s)), { now, logger, mode });
 * for (const mac of macs.active()) …
 */
export function createSecretWindow<T>(
  secrets: readonly WindowedSecret[],
  prepare: (secret: string) => T,
  context: { now: () => number; logger: Logger; mode: VerifierMode },
): SecretWindow<T> {
  let open: Slot<T>[] = secrets.map(({ secret, notAfterMs }, index) => ({ index, prepared: prepare(secret), notAfterMs }));
  let active: readonly T[] = open.map((slot) => slot.prepared);
  let expired: readonly T[] = [];
  let nextCloseMs = Math.min(...open.map((slot) => slot.notAfterMs));

  function close(nowMs: number): void {
    const closing = open.filter((slot) => nowMs > slot.notAfterMs);
    open = open.filter((slot) => nowMs <= slot.notAfterMs);
    active = open.map((slot) => slot.prepared);
    expired = [...expired, ...closing.map((slot) => slot.prepared)];
    nextCloseMs = Math.min(...open.map((slot) => slot.notAfterMs));
    for (const slot of closing) {
      context.logger.log('warn', 'verify.secret_expired', {
        mode: context.mode,
        index: slot.index,
        notAfter: new Date(slot.notAfterMs).toISOString(),
        message: slot.index === 0 ? 'the current secret is past its notAfter' : 'the previous secret is past its notAfter',
      });
    }
  }

  const closeDue = (): void => {
    // Infinity when every open secret is open-ended: then the clock is not even read.
    if (nextCloseMs === Infinity) return;
    const nowMs = context.now();
    if (nowMs > nextCloseMs) close(nowMs);
  };
  closeDue();
  return {
    active() {
      closeDue();
      return active;
    },
    expired: () => expired,
  };
}
