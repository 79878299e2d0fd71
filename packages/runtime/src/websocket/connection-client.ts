/** Posts to a WebSocket connection through API Gateway's management API (`@connections`), signed by the SDK. */
import { ApiGatewayManagementApiClient, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import type { APIGatewayProxyWebsocketEventV2 } from 'aws-lambda';
import { assertKnownOptions, isLoopbackHost, readEnvironment } from '@tessera/protocol';
import { TesseraError } from '@tessera/protocol/errors';
import { createJsonLogger, type Logger } from '@tessera/protocol/log';

/**
 * Options of {@link createConnectionClient}.
 * @example
 * const options: ConnectionClientOptions = { endpoint: 'https://abc123.execute-api.us-east-1.amazonaws.com/dev' };
 */
export interface ConnectionClientOptions {
  /**
   * The management API: `https://{api-id}.execute-api.{region}.amazonaws.com/{stage}` (see {@link connectionEndpoint}),
   * or, offline, serverless offline's `http://127.0.0.1:<wsPort>`. Plain HTTP only to a loopback host and offline.
   */
  endpoint: string;
  /** Local development: allows an `http://` endpoint on a loopback host. Default `TESSERA_OFFLINE`, then false. */
  offline?: boolean;
  /** The environment read once for `TESSERA_OFFLINE`. Default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Attempts per post, throttling and 5xx retried by the SDK, 1 to 5. Default 3. */
  maxAttempts?: number;
  /** Budget of one attempt, in milliseconds, 100 to 30,000. Default 3,000: a post must not hold the Lambda. */
  timeoutMs?: number;
  /** Where failures go (event `websocket.post.failed`). Default: JSON lines on standard error. */
  logger?: Logger;
}

/**
 * What a post came to: `sent`, or `gone` (the client disconnected; API Gateway's `GoneException`, HTTP 410), after
 * which the app forgets the connection. Any other failure rejects with a `TesseraError`.
 */
export type ConnectionPostResult = 'sent' | 'gone';

/**
 * Posts to connections of one WebSocket API stage; made by {@link createConnectionClient}.
 * @example
 * if ((await connections.post(connectionId, JSON.stringify({ type: 'note' }))) === 'gone') forget(connectionId);
 */
export interface ConnectionClient {
  /** The management API posts go to. */
  readonly endpoint: string;
  /**
   * Sends one message to the connection. Rejects with `ERR_BODY_TOO_LARGE` (over 128 KiB, API Gateway's limit, or
   * refused as such), `ERR_RATE_LIMITED` (throttled) or `ERR_INTERNAL` (anything else: its `cause` names the SDK
   * error and HTTP status only, never the SDK's `$response`).
   */
  post(connectionId: string, data: string | Uint8Array): Promise<ConnectionPostResult>;
}

const DEFAULTS = { maxAttempts: 3, timeoutMs: 3_000 } as const satisfies Required<Pick<ConnectionClientOptions, 'maxAttempts' | 'timeoutMs'>>;
const OPTION_KEYS = new Set(['endpoint', 'offline', 'env', 'maxAttempts', 'timeoutMs', 'logger']);
/** API Gateway's WebSocket message limit (frames of 32 KiB make up messages of up to 128 KiB). */
export const MAX_CONNECTION_MESSAGE_BYTES = 128 * 1024;
/** API Gateway's ids are base64 (`L0SM9cOFvHcCIhw=`), serverless-offline's UUIDs; nothing else reaches the URL path. */
const CONNECTION_ID = /^[A-Za-z0-9+/=_-]{1,128}$/;
/** A DNS name as `requestContext.domainName` gives it, and a stage name as API Gateway allows it. */
const DOMAIN_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const STAGE = /^[A-Za-z0-9_-]{1,128}$/;

function fail(rule: string): never {
  throw new TypeError(`createConnectionClient: ${rule}`);
}

function checkEndpoint(value: unknown, offline: boolean): string {
  if (typeof value !== 'string') fail('option "endpoint" is required, e.g. "https://abc123.execute-api.us-east-1.amazonaws.com/dev"');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    fail('option "endpoint" must be an absolute URL');
  }
  if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') {
    fail('option "endpoint" must have no credentials, query or fragment');
  }
  if (url.protocol === 'http:') {
    if (!offline || !isLoopbackHost(url.hostname)) fail('option "endpoint" must use https:// (http:// only to a loopback host, offline)');
  } else if (url.protocol !== 'https:') {
    fail('option "endpoint" must use https://');
  }
  return value.replace(/\/+$/, '');
}

function checkInteger(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
    fail(`option "${name}" must be an integer from ${min} to ${max}`);
  return value;
}

/**
 * The management API of the stage an event came through: `https://{domainName}/{stage}`. Behind a custom domain
 * name, or offline (where serverless-offline names `localhost` and stage `local`), pass the endpoint instead.
 * @example
 * const connections = createConnectionClient({ endpoint: connectionEndpoint(event) });
 */
export function connectionEndpoint(event: Pick<APIGatewayProxyWebsocketEventV2, 'requestContext'>): string {
  const { domainName, stage } = event.requestContext ?? {};
  if (typeof domainName !== 'string' || !DOMAIN_NAME.test(domainName) || typeof stage !== 'string' || !STAGE.test(stage)) {
    throw new TypeError('connectionEndpoint: the event has no requestContext.domainName and stage of a WebSocket API');
  }
  return `https://${domainName}/${stage}`;
}

/** The SDK's error as its name and status only: its `$response` holds the raw answer, never to be logged or wrapped. */
function sdkErrorOf(err: unknown): { errorName: string; status: number | undefined } {
  const e = err as { name?: unknown; $metadata?: { httpStatusCode?: unknown } };
  const status = e?.$metadata?.httpStatusCode;
  return { errorName: typeof e?.name === 'string' ? e.name : typeof err, status: typeof status === 'number' ? status : undefined };
}

/**
 * Creates a client for one management API; options are validated here, once (TypeError on misuse). Credentials
 * and SigV4 come from the SDK's default chain: on Lambda, the function's role, which needs
 * `execute-api:ManageConnections` (the Serverless Framework grants it with the first `websocket` event).
 * @example
 * const connections = createConnectionClient({ endpoint: 'https://abc123.execute-api.us-east-1.amazonaws.com/dev' });
 * await connections.post(connectionId, JSON.stringify({ type: 'order.updated', id: '1001' }));
 */
export function createConnectionClient(options: ConnectionClientOptions): ConnectionClient {
  assertKnownOptions('createConnectionClient', options, OPTION_KEYS);
  const offline = options.offline ?? readEnvironment(options.env).offline ?? false;
  if (typeof offline !== 'boolean') fail('option "offline" must be true or false');
  const endpoint = checkEndpoint(options.endpoint, offline);
  const maxAttempts = checkInteger('maxAttempts', options.maxAttempts ?? DEFAULTS.maxAttempts, 1, 5);
  const timeoutMs = checkInteger('timeoutMs', options.timeoutMs ?? DEFAULTS.timeoutMs, 100, 30_000);
  if (options.logger !== undefined && typeof options.logger?.log !== 'function') fail('option "logger" must be a Logger');
  const logger = options.logger ?? createJsonLogger({ base: { component: 'websocket' } });
  const client = new ApiGatewayManagementApiClient({
    endpoint,
    maxAttempts,
    // Without throwOnRequestTimeout the SDK only warns past requestTimeout and keeps waiting.
    requestHandler: { connectionTimeout: timeoutMs, requestTimeout: timeoutMs, throwOnRequestTimeout: true },
  });

  return {
    endpoint,
    async post(connectionId, data) {
      if (typeof connectionId !== 'string' || !CONNECTION_ID.test(connectionId)) {
        throw new TypeError('post: connectionId must be the requestContext.connectionId of a WebSocket event');
      }
      if (typeof data !== 'string' && !(data instanceof Uint8Array)) throw new TypeError('post: data must be a string or a Uint8Array');
      const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
      if (bytes.byteLength > MAX_CONNECTION_MESSAGE_BYTES) {
        throw new TesseraError('ERR_BODY_TOO_LARGE', { cause: `message larger than ${MAX_CONNECTION_MESSAGE_BYTES} bytes` });
      }
      try {
        await client.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: bytes }));
        return 'sent';
      } catch (err) {
        const { errorName, status } = sdkErrorOf(err);
        // serverless-offline answers a gone connection with a bare 410, which the SDK cannot name.
        if (errorName === 'GoneException' || status === 410) return 'gone';
        logger.log('warn', 'websocket.post.failed', { errorName, status });
        const cause = `management API answered ${errorName}${status === undefined ? '' : ` (${status})`}`;
        if (errorName === 'PayloadTooLargeException' || status === 413) throw new TesseraError('ERR_BODY_TOO_LARGE', { cause });
        if (errorName === 'LimitExceededException' || status === 429) throw new TesseraError('ERR_RATE_LIMITED', { cause });
        throw new TesseraError('ERR_INTERNAL', { cause });
      }
    },
  };
}
