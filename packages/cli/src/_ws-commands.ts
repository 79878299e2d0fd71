/**
 * `tessera ws-proxy`: the header-adding WebSocket proxy a customer runs in front of a server that understands only a
 * static header. Every secret (the app's HS256 secret, the upstream header's value) comes from the environment or a
 * file, never a flag: flags end up in shell history and `ps`.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { resolve } from 'node:path';
import { CliError } from '@tessera/protocol/errors';
import { createUpgradeVerifier, type UpgradeVerifierOptions } from '@tessera/verify';
import { createWsProxy } from '@tessera/verify/ws';
import { loggerOf, untilSignal } from './_settings.js';
import type { CliIo, CommandSpec } from './run.js';

const USAGE =
  'ws-proxy --public-origin wss://HOST --upstream ws://HOST:PORT --allowed-origins ORIGIN[,ORIGIN] --issuer APP_ID --installation ID[,ID] ' +
  '--header NAME (--header-value-env VAR | --header-value-file PATH) [--secret-env VAR | --secret-file PATH | --jwks-url URL --alg ES256|EdDSA] ' +
  '[--port 8443] [--host 127.0.0.1]';

function usage(message: string): never {
  throw new CliError('ERR_CLI_USAGE', { message: `${message}\nUsage: tessera ${USAGE}` });
}

function required(values: Record<string, string | boolean | undefined>, name: string): string {
  const value = values[name];
  if (typeof value !== 'string' || value === '') usage(`--${name} is required`);
  return value;
}

const list = (value: string): string[] =>
  value
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v !== '');

/** A secret from a variable or a file, one of the two; the message names where, never the value. */
function secretFrom(
  io: CliIo,
  values: Record<string, string | boolean | undefined>,
  what: string,
  envFlag: string,
  fileFlag: string,
): string | undefined {
  const env = values[envFlag];
  const file = values[fileFlag];
  if (typeof env === 'string' && typeof file === 'string') usage(`--${envFlag} and --${fileFlag} are exclusive`);
  if (typeof env === 'string') {
    const value = io.env[env];
    if (value === undefined || value === '') usage(`${what}: the variable ${env} is not set`);
    return value;
  }
  if (typeof file === 'string') {
    let value: string;
    try {
      value = readFileSync(resolve(io.cwd, file), 'utf8').trim();
    } catch {
      usage(`${what}: --${fileFlag} must name a readable file`);
    }
    if (value === '') usage(`${what}: the file ${file} is empty`);
    return value;
  }
  return undefined;
}

function keyOptions(io: CliIo, values: Record<string, string | boolean | undefined>): Partial<UpgradeVerifierOptions> {
  const jwksUrl = values['jwks-url'];
  if (typeof jwksUrl === 'string') {
    const alg = values.alg;
    if (alg !== 'ES256' && alg !== 'EdDSA') usage('--alg must be ES256 or EdDSA with --jwks-url');
    return { algorithms: [alg], jwksUrl, allowLoopbackHttp: /^http:\/\/(127\.|localhost|\[::1\])/.test(jwksUrl) } as Partial<UpgradeVerifierOptions>;
  }
  const secret = secretFrom(io, values, 'the app secret', 'secret-env', 'secret-file') ?? io.env.TESSERA_SECRET;
  if (secret === undefined || secret === '') usage('the app secret: give --secret-env VAR, --secret-file PATH or TESSERA_SECRET (or --jwks-url)');
  return { secrets: [secret] } as Partial<UpgradeVerifierOptions>;
}

export const wsCommands: Record<string, CommandSpec> = {
  'ws-proxy': {
    summary: 'run the WebSocket proxy that checks each ticket and Origin, then adds a static header upstream',
    usage: USAGE,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'public-origin': { type: 'string' },
      upstream: { type: 'string' },
      'allowed-origins': { type: 'string' },
      issuer: { type: 'string' },
      installation: { type: 'string' },
      header: { type: 'string' },
      'header-value-env': { type: 'string' },
      'header-value-file': { type: 'string' },
      'secret-env': { type: 'string' },
      'secret-file': { type: 'string' },
      'jwks-url': { type: 'string' },
      alg: { type: 'string' },
    },
    async run({ positionals, values, io }) {
      if (positionals.length > 0) usage('ws-proxy takes no positional arguments');
      const port = Number(values.port ?? 8443);
      if (!Number.isInteger(port) || port < 0 || port > 65535) usage('--port must be an integer from 0 to 65535');
      const host = typeof values.host === 'string' ? values.host : '127.0.0.1';
      const header = required(values, 'header');
      const headerValue = secretFrom(io, values, `the value of ${header}`, 'header-value-env', 'header-value-file');
      if (headerValue === undefined) usage('the upstream header value: give --header-value-env VAR or --header-value-file PATH');
      const logger = loggerOf(io, 'ws-proxy');
      let proxy: ReturnType<typeof createWsProxy>;
      try {
        const verifier = createUpgradeVerifier({
          ...keyOptions(io, values),
          issuer: required(values, 'issuer'),
          installationId: list(required(values, 'installation')),
          publicOrigin: required(values, 'public-origin'),
          allowedOrigins: list(required(values, 'allowed-origins')),
          logger,
        } as UpgradeVerifierOptions);
        proxy = createWsProxy({ verifier, upstream: required(values, 'upstream'), upstreamHeaders: { [header]: headerValue } });
      } catch (err) {
        if (err instanceof TypeError) usage(err.message);
        throw err;
      }
      const server = createServer((_req, res) => res.writeHead(426, { 'content-type': 'text/plain' }).end('WebSocket only\n'));
      server.on('upgrade', proxy.handleUpgrade);
      await new Promise<void>((done, fail) => {
        server.once('error', fail);
        server.listen(port, host, () => done());
      });
      const address = server.address();
      const bound = typeof address === 'object' && address !== null ? address.port : port;
      io.stdout.write(`ws-proxy listening on ws://${host}:${bound}, forwarding verified sockets to ${values.upstream}\n`);
      await untilSignal();
      await proxy.close();
      server.closeAllConnections();
      await new Promise((done) => server.close(done));
      return 0;
    },
  },
};
