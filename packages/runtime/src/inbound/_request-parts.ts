/** Reads one header and one cookie from an API Gateway event, payload 2.0 or 1.0 shaped, without trusting either. */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';

/**
 * One request header by name (lower case); repeated spellings are joined so they cannot pass as one value.
 * @example
 * const token = readHeader(event, 'x-csrf-token');
 */
export function readHeader(event: APIGatewayProxyEventV2, name: string): string | undefined {
  // Payload 2.0 already lower-cases names and joins repeats with commas.
  if (event.version === '2.0') return event.headers?.[name];
  const values: string[] = [];
  for (const [k, v] of Object.entries(event.headers ?? {})) {
    if (v !== undefined && k.toLowerCase() === name) values.push(v);
  }
  return values.length === 0 ? undefined : values.join(',');
}

// A browser's Cookie header stays far below this; anything longer is not worth splitting.
const MAX_COOKIE_CHARS = 16 * 1024;

/**
 * Every distinct value sent for the cookie `name` (exact, case-sensitive name per RFC 6265 §5.4), from the payload 2.0
 * `cookies` array and the `cookie` header; API Gateway moves the header into the array, serverless-offline may not.
 * @example
 * const [value] = readCookieValues(event, '__Host-tessera-csrf');
 */
export function readCookieValues(event: APIGatewayProxyEventV2, name: string): string[] {
  const pairs: string[] = [...(Array.isArray(event.cookies) ? event.cookies : [])];
  const header = readHeader(event, 'cookie');
  if (header !== undefined) pairs.push(...header.split(';'));
  const values = new Set<string>();
  for (const pair of pairs) {
    if (typeof pair !== 'string' || pair.length > MAX_COOKIE_CHARS) continue;
    const eq = pair.indexOf('=');
    if (eq < 0 || pair.slice(0, eq).trim() !== name) continue;
    values.add(pair.slice(eq + 1).trim());
  }
  return [...values];
}
