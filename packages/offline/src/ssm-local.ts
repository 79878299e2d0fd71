/** A local SSM Parameter Store endpoint speaking AWS JSON 1.1, for offline runs and integration tests. */
import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createJsonLogger, type Logger } from '@tessera/protocol/log';
import { assertKnownOptions, isLoopbackHost, LOOPBACK_RULE } from '@tessera/protocol';
import { createFaultTable, type FaultDecision } from './_ssm-faults.js';
import type { OperationContext } from './_ssm-model.js';
import { READ_OPERATIONS } from './_ssm-reads.js';
import { openParameterStore, type ParameterStore } from './_ssm-store.js';
import { createVault, loadOrCreateKey, type Vault } from './_ssm-vault.js';
import { AwsFault, parseRequestBody } from './_ssm-wire.js';
import { WRITE_OPERATIONS } from './_ssm-writes.js';
import { BodyTooLarge, readBody } from './_read-body.js';
import type { SsmFault, SsmLocalFaults } from './ssm-local-faults.js';

/**
 * A loopback address the endpoint may listen on: `localhost`, 127.0.0.0/8 or `::1` (`isLoopbackHost`).
 * @example
 * const host: SsmLocalHost = '::1';
 */
export type SsmLocalHost = string;

/**
 * Options of {@link startSsmLocal}; unknown keys throw `TypeError`.
 * @example
 * const options: SsmLocalOptions = { dataDir: '.tessera/ssm', port: 0 };
 */
export interface SsmLocalOptions {
  /** Directory holding `ssm-local.json` and `ssm-local.key`; created (mode 0700) if absent. Required. */
  dataDir: string;
  /** TCP port; `0` picks a free one. Default 4583 (LocalStack's historical SSM port). */
  port?: number;
  /** Loopback address to listen on; anything else is refused. Default `127.0.0.1`. */
  host?: SsmLocalHost;
  /** Receives one `debug` record per request (operation and status, never a value). Default: JSON to stderr. */
  logger?: Logger;
  /**
   * Test seam, given only through this API (never by the environment): runs on every write once the new data file
   * is durable and before it replaces the old one, e.g. `() => process.exit(99)` to crash the way a power cut would.
   */
  beforeReplace?: () => void | Promise<void>;
  /** Monotonic clock in ms that faults' `forMs` runs on, for tests (`latency` always waits real time). Default `performance.now`. */
  now?: () => number;
}

/**
 * A running endpoint.
 * @example
 * server.faults.set({ kind: 'throttle', rate: 0.5, operation: 'GetParameter' });
 * await server.close();
 */
export interface SsmLocalServer {
  /** Base URL to pass as the SDK's `endpoint`, e.g. `http://127.0.0.1:4583`. */
  readonly url: string;
  /** The port actually bound. */
  readonly port: number;
  /** Stops listening, lets queued writes finish, then resolves. Safe to call twice. */
  close(): Promise<void>;
  /** The injected faults: throttling, 5xx, latency, dropped connections, outage (also `PUT /_tessera/faults`). */
  readonly faults: SsmLocalFaults;
  /** SSM requests that reached the endpoint since it started, by operation (faulted and dropped ones included). */
  requestCounts(): Record<string, number>;
  /**
   * Shorthand for `faults.add({ kind: 'error', operation: op, errorType, count })`: the next `count` calls of `op`
   * answer the AWS error `errorType` (400, or 5xx for server faults such as `InternalServerError`).
   */
  injectFault(op: string, errorType: string, count?: number): void;
}

const DEFAULTS = {
  port: 4583,
  host: '127.0.0.1',
} as const satisfies Required<Omit<SsmLocalOptions, 'dataDir' | 'logger' | 'beforeReplace' | 'now'>>;

const OPTION_KEYS: ReadonlySet<string> = new Set(['dataDir', 'port', 'host', 'logger', 'beforeReplace', 'now']);
/** The loopback route that lists (GET), replaces (PUT, a JSON array of faults) and clears (DELETE) the faults. */
const FAULTS_ROUTE = '/_tessera/faults';
const TARGET_PREFIX = 'AmazonSSM.';
const CONTENT_TYPE = 'application/x-amz-json-1.1';
/**
 * Largest request body accepted (DESIGN.md, "limits"); a larger one gets 413.
 * @example
 * if (Buffer.byteLength(body) > MAX_BODY_BYTES) throw new Error('too large for ssm-local');
 */
export const MAX_BODY_BYTES = 1024 * 1024;
const DEFAULT_REGION = 'us-east-1';

const OPERATIONS = { ...READ_OPERATIONS, ...WRITE_OPERATIONS };

/**
 * Operations the endpoint implements, by AWS name; others get `UnknownOperationException`.
 * @example
 * SSM_LOCAL_OPERATIONS.includes('GetParametersByPath'); // true
 */
export const SSM_LOCAL_OPERATIONS: readonly string[] = Object.keys(OPERATIONS);

interface Config {
  dataDir: string;
  port: number;
  host: SsmLocalHost;
  logger: Logger;
  beforeReplace: (() => void | Promise<void>) | undefined;
  now: () => number;
}

function resolveOptions(options: SsmLocalOptions): Config {
  assertKnownOptions('startSsmLocal', options, OPTION_KEYS);
  const { dataDir, port = DEFAULTS.port, host = DEFAULTS.host, logger, beforeReplace, now = () => performance.now() } = options;
  if (typeof dataDir !== 'string' || dataDir.length === 0) {
    throw new TypeError('startSsmLocal: option "dataDir" must be a non-empty path');
  }
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new TypeError('startSsmLocal: option "port" must be an integer in 0..65535');
  }
  if (typeof host !== 'string' || !isLoopbackHost(host)) {
    throw new TypeError(`startSsmLocal: option "host" ${LOOPBACK_RULE}`);
  }
  if (logger !== undefined && typeof logger?.log !== 'function') {
    throw new TypeError('startSsmLocal: option "logger" must have a log(level, event, fields) method');
  }
  if (beforeReplace !== undefined && typeof beforeReplace !== 'function') {
    throw new TypeError('startSsmLocal: option "beforeReplace" must be a function');
  }
  if (typeof now !== 'function') throw new TypeError('startSsmLocal: option "now" must be a function returning ms');
  return { dataDir, port, host, logger: logger ?? createJsonLogger({ base: { component: 'ssm-local' } }), beforeReplace, now };
}

/** The region from a SigV4 `Credential=<key>/<date>/<region>/ssm/aws4_request` scope, for ARNs. */
function regionOf(req: IncomingMessage): string {
  const match = /Credential=[^/,\s]+\/\d{8}\/([a-z0-9-]{1,32})\//.exec(req.headers.authorization ?? '');
  return match?.[1] ?? DEFAULT_REGION;
}

type FaultTable = ReturnType<typeof createFaultTable>;

function sendJson(res: ServerResponse, status: number, payload: unknown, contentType = 'application/json'): void {
  const body = JSON.stringify(payload);
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body), 'x-amzn-requestid': randomUUID() });
  res.end(body);
}

/** Every SSM request is `POST /`: only a path starting with the route's (a query at most after it) is the route. */
const isFaultsRoute = (url: string | undefined): boolean => url === FAULTS_ROUTE || url?.startsWith(`${FAULTS_ROUTE}?`) === true;

/** The Host header's name as URL parses it (an IPv6 address keeps its brackets), or '' when it names no host. */
function hostnameOf(host: string | undefined): string {
  try {
    return new URL(`http://${host ?? ''}`).hostname;
  } catch {
    return '';
  }
}

/**
 * `/_tessera/faults`. A browser page cannot reach it: a JSON body needs a preflight this endpoint never answers, and
 * a Host other than loopback (DNS rebinding) is refused.
 */
async function serveFaultsRoute(req: IncomingMessage, res: ServerResponse, faults: FaultTable, counts: () => Record<string, number>): Promise<void> {
  if (!isLoopbackHost(hostnameOf(req.headers.host))) return sendJson(res, 403, { message: 'the faults route answers loopback Host names only' });
  const listing = () => ({ faults: faults.active(), requests: counts() });
  if (req.method === 'GET') return sendJson(res, 200, listing());
  if (req.method === 'DELETE') {
    faults.clear();
    return sendJson(res, 200, listing());
  }
  if (req.method !== 'PUT') return sendJson(res, 405, { message: 'GET, PUT (a JSON array of faults) or DELETE' });
  if (!/^application\/json\b/.test(req.headers['content-type'] ?? '')) return sendJson(res, 415, { message: 'the body must be application/json' });
  try {
    const parsed: unknown = JSON.parse((await readBody(req, MAX_BODY_BYTES)).toString('utf8'));
    if (!Array.isArray(parsed)) throw new TypeError('the body must be a JSON array of faults');
    // set() checks every fault first and changes nothing when one is wrong.
    faults.set(...(parsed as SsmFault[]));
  } catch (err) {
    return sendJson(res, 400, { message: err instanceof TypeError ? err.message : 'the body must be a JSON array of faults' });
  }
  return sendJson(res, 200, listing());
}

class Dropped extends Error {}

function createHandler(ctx: Omit<OperationContext, 'region'>, logger: Logger, faults: FaultTable) {
  const counts: Record<string, number> = {};
  const send = (res: ServerResponse, status: number, payload: unknown): void => sendJson(res, status, payload, CONTENT_TYPE);

  const meet = async (req: IncomingMessage, decision: FaultDecision): Promise<void> => {
    if (decision.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, decision.delayMs));
    if (decision.answer === 'drop') {
      req.socket.destroy();
      throw new Dropped();
    }
    if (decision.answer) throw decision.answer;
  };

  const dispatch = async (req: IncomingMessage, op: string): Promise<unknown> => {
    if (req.method !== 'POST') throw new AwsFault('UnknownOperationException', 'Only POST / is served.', 405);
    const operation = Object.hasOwn(OPERATIONS, op) ? OPERATIONS[op] : undefined;
    if (!operation) throw new AwsFault('UnknownOperationException', 'The requested operation is not recognized.');
    const raw = await readBody(req, MAX_BODY_BYTES);
    await meet(req, faults.decide(op));
    return operation({ ...ctx, region: regionOf(req) }, parseRequestBody(raw));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    // An outage: the connection goes, as from a host that is down, before anything is read or counted. The faults
    // route is served apart, so it stays up to end the outage.
    if (faults.refusing()) {
      req.socket.destroy();
      return;
    }
    const target = String(req.headers['x-amz-target'] ?? '');
    const op = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : '';
    // An unknown name is the caller's text: it is neither counted under its name nor logged.
    const known = Object.hasOwn(OPERATIONS, op) ? op : 'unknown';
    counts[known] = (counts[known] ?? 0) + 1;
    let status = 200;
    let errorType: string | undefined;
    try {
      const result = await dispatch(req, op);
      send(res, status, result ?? {});
    } catch (err) {
      if (err instanceof Dropped) {
        status = 0;
        errorType = 'dropped';
      } else if (err instanceof BodyTooLarge) {
        // Close rather than drain: the rest of an oversized body is never read.
        res.setHeader('connection', 'close');
        status = 413;
        errorType = 'RequestEntityTooLargeException';
        send(res, status, { __type: errorType, message: `Request body exceeds ${MAX_BODY_BYTES} bytes.` });
        req.resume();
      } else if (err instanceof AwsFault) {
        status = err.status;
        errorType = err.type;
        send(res, status, { __type: err.type, message: err.message });
      } else {
        status = 500;
        errorType = 'InternalServerError';
        logger.log('error', 'ssm-local.failed', { op: known, error: err });
        send(res, status, { __type: errorType, message: 'An error occurred on the server side.' });
      }
    } finally {
      logger.log('debug', 'ssm-local.request', { op: known, status, ...(errorType ? { errorType } : {}) });
    }
  };

  const requestCounts = (): Record<string, number> => ({ ...counts });
  return {
    requestCounts,
    handler: (req: IncomingMessage, res: ServerResponse): Promise<void> =>
      isFaultsRoute(req.url) ? serveFaultsRoute(req, res, faults, requestCounts) : handle(req, res),
  };
}

function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

async function start(config: Config): Promise<SsmLocalServer> {
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  const vault: Vault = createVault(await loadOrCreateKey(config.dataDir));
  const store: ParameterStore = await openParameterStore(config.dataDir, vault, config.beforeReplace);
  const faults = createFaultTable(SSM_LOCAL_OPERATIONS, config.now);
  const { handler, requestCounts } = createHandler({ store, vault }, config.logger, faults);
  let closing = false;
  const server = createServer((req, res) => {
    // A keep-alive client would otherwise hold close() open until its idle timeout.
    if (closing) res.setHeader('connection', 'close');
    void handler(req, res);
  });
  const address = await listen(server, config.port, config.host);
  if (!isLoopbackHost(address.address)) {
    server.close();
    throw new TypeError(`startSsmLocal: "${config.host}" resolved to a non-loopback address`);
  }
  const hostPart = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${hostPart}:${address.port}`;
  config.logger.log('info', 'ssm-local.listening', { url });

  let closed: Promise<void> | undefined;
  return {
    url,
    port: address.port,
    faults: { set: faults.set, add: faults.add, clear: faults.clear, active: faults.active },
    requestCounts,
    close() {
      closed ??= (async () => {
        closing = true;
        await new Promise<void>((resolve, reject) => {
          server.close((err) => (err ? reject(err) : resolve()));
          server.closeIdleConnections();
        });
        await store.drain();
      })();
      return closed;
    },
    injectFault(op, errorType, count = 1) {
      faults.add({ kind: 'error', operation: op, errorType, count });
    },
  };
}

/**
 * Starts the local SSM endpoint on loopback. Bad options throw `TypeError` synchronously; an unusable data
 * directory (key file readable by others, corrupt or tampered data file) rejects with a `StoreError`.
 * @example
 * const ssm = await startSsmLocal({ dataDir: '.tessera/ssm', port: 0 });
 * const client = new SSMClient({ endpoint: ssm.url });
 * await ssm.close();
 */
export function startSsmLocal(options: SsmLocalOptions): Promise<SsmLocalServer> {
  return start(resolveOptions(options));
}
