/** One handler for every Tessera error: each case sees its own family's members. */
import { isTesseraError, type AnyTesseraError } from '@tessera/runtime';

export function describe(err: unknown): string {
  if (!isTesseraError(err)) return 'not a Tessera error';
  const known = err as AnyTesseraError;
  switch (known.code) {
    case 'ERR_IPARAM_INVALID':
      return known.issues.map((i) => `${i.field}: ${i.rule}`).join('; '); // IparamValidationError
    case 'ERR_CONFIG_INVALID':
      return known.issues.map((i) => `${i.file} ${i.field}`).join('; '); // ConfigError
    case 'ERR_STORE_UNAVAILABLE':
      return `retry later (${known.status})`; // StoreError
    default:
      return `${known.code}: ${known.message}`;
  }
}
