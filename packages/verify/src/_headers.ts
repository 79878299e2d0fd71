/** Header lookup for verifier inputs that may come from any framework, with any key case. */
import type { VerifyInput } from './create-verifier.js';

/** Finds a header by its lower-case name whatever the case of the keys given; Node's own keys hit directly. */
export function headerValue(headers: VerifyInput['headers'], lowerName: string): string | string[] | undefined {
  const direct = headers[lowerName];
  if (direct !== undefined) return direct;
  for (const [name, value] of Object.entries(headers)) {
    if (name.toLowerCase() === lowerName) return value;
  }
  return undefined;
}
