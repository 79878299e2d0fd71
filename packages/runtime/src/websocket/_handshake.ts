/** Reads one header of a WebSocket `$connect` event, whatever its casing, and tells a repeated header apart. */
import type { APIGatewayProxyWebsocketEventV2 } from 'aws-lambda';

/**
 * The `$connect` event: API Gateway (and serverless-offline) add the handshake's headers, with the casing the client
 * sent, which the `aws-lambda` type of WebSocket events leaves out.
 */
export type WebSocketConnectEvent = APIGatewayProxyWebsocketEventV2 & {
  headers?: Readonly<Record<string, string | undefined>> | null;
  multiValueHeaders?: Readonly<Record<string, readonly string[] | undefined>> | null;
};

/** A header sent more than once: never merged into one value, so no second copy can slip past a check. */
export const REPEATED: unique symbol = Symbol('repeated header');

/** One header's value by its lower-case name: undefined when absent, {@link REPEATED} when sent more than once. */
export function readHandshakeHeader(event: WebSocketConnectEvent, name: string): string | typeof REPEATED | undefined {
  const values: string[] = [];
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (typeof value === 'string' && key.toLowerCase() === name) values.push(value);
  }
  let multi = 0;
  for (const [key, list] of Object.entries(event.multiValueHeaders ?? {})) {
    if (Array.isArray(list) && key.toLowerCase() === name) multi += list.length;
  }
  if (values.length > 1 || multi > 1) return REPEATED;
  return values[0];
}
