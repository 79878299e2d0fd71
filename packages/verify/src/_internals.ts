/** What the transport helpers need from a verifier without widening its public shape. */
import type { Logger } from '@tessera/protocol/log';
import type { VerifiedRequest, VerifyInput } from './create-verifier.js';

/** A verifier's check as it answers: the result when it has one at hand, or a promise; throws the logged refusal. */
export type ImmediateCheck = (input: VerifyInput) => VerifiedRequest | Promise<VerifiedRequest>;

interface VerifierInternals {
  logger: Logger;
  check: ImmediateCheck;
}

const internals = new WeakMap<object, VerifierInternals>();

/** Records what {@link createVerifier} built a verifier with, for the helpers below. */
export function attachInternals(verifier: object, parts: VerifierInternals): void {
  internals.set(verifier, parts);
}

/** The logger a verifier was built with, so helpers log their own refusals there too; `undefined` for a hand-made one. */
export function loggerOf(verifier: object): Logger | undefined {
  return internals.get(verifier)?.logger;
}

/**
 * The check behind a verifier made by `createVerifier`: a request verified with the key at hand then costs a
 * transport helper no promise of its own. `undefined` for a hand-made verifier, which the helper awaits.
 */
export function checkOf(verifier: object): ImmediateCheck | undefined {
  return internals.get(verifier)?.check;
}
