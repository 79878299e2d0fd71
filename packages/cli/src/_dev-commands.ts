/** Local development commands: the SSM-compatible endpoint, and the whole stack under `serverless offline`. */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import {
  isAddressInUse,
  parseSsmFaults,
  portTakenMessage,
  SSM_LOCAL_OPERATIONS,
  type SsmFault,
  startOfflineProxy,
  startSsmLocal,
  takenPortMessages,
  waitForPort,
  type NamedPort,
} from '@tessera/offline';
import { CliError } from '@tessera/protocol/errors';
import { parse } from 'yaml';
import { loggerOf, untilSignal } from './_settings.js';
import type { CliIo, CommandSpec } from './run.js';

export const DEFAULT_SSM_PORT = 4583;
export const DEFAULT_HTTP_PORT = 4000;
export const DEFAULT_DATA_DIR = '.tessera/ssm';

function port(value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new CliError('ERR_CLI_USAGE', { message: 'a port must be an integer from 0 to 65535' });
  return n;
}

/** Fails with every taken port named, before anything starts: a child would otherwise crash or wait on another's port. */
async function requireFreePorts(ports: readonly NamedPort[]): Promise<void> {
  const taken = await takenPortMessages(ports);
  if (taken.length > 0) throw new CliError('ERR_CLI_USAGE', { message: taken.join('\n') });
}

/** A listener's `EADDRINUSE` (the port was taken after the check) as the same sentence; other errors unchanged. */
function explained(p: NamedPort): (err: unknown) => never {
  return (err) => {
    throw isAddressInUse(err) ? new CliError('ERR_CLI_USAGE', { message: portTakenMessage(p), cause: err }) : err;
  };
}

/** The osls CLI of the project (installed under the name `serverless`). */
function serverlessBin(cwd: string): string {
  const require = createRequire(join(cwd, 'package.json'));
  const pkgPath = require.resolve('serverless/package.json');
  const bin = (require(pkgPath) as { bin: Record<string, string> }).bin.serverless as string;
  return resolve(dirname(pkgPath), bin);
}

/** The install page's path when serverless.yml routes a function to one (`GET /install`), else undefined. */
async function installPagePath(cwd: string): Promise<string | undefined> {
  let doc: { functions?: Record<string, { handler?: string; events?: { httpApi?: { method?: string; path?: string } }[] }> };
  try {
    doc = parse(await readFile(join(cwd, 'serverless.yml'), 'utf8')) ?? {};
  } catch {
    return undefined;
  }
  for (const fn of Object.values(doc.functions ?? {})) {
    for (const e of fn?.events ?? []) {
      if (e?.httpApi?.method?.toUpperCase() === 'GET' && /^\/install$/.test(String(e.httpApi.path))) return e.httpApi.path;
    }
  }
  return undefined;
}

/** `--fault`'s faults; a bad spec is a usage error naming the field, before anything starts. */
function faultsOf(value: unknown): SsmFault[] {
  if (value === undefined) return [];
  try {
    return parseSsmFaults(String(value), SSM_LOCAL_OPERATIONS);
  } catch (err) {
    throw new CliError('ERR_CLI_USAGE', { message: `--fault: ${(err as Error).message}`, cause: err });
  }
}

function logger(io: CliIo) {
  return loggerOf(io, 'offline');
}

export const devCommands: Record<string, CommandSpec> = {
  'ssm-local': {
    summary: 'run the local SSM-compatible endpoint (loopback only)',
    usage:
      'ssm-local [--port 4583] [--data-dir .tessera/ssm] [--fault SPEC]\n' +
      'SPEC: faults joined by +, each kind[:value][,op=NAME][,rate=0..1][,for=MS][,count=N][,seed=N]:\n' +
      '  throttle[:rate]  status:500|503  error:AwsErrorType  latency:MS  drop[:rate]  outage[:MS]\n' +
      'e.g. --fault throttle:0.5,op=GetParameter+latency:200. Change them while it runs: PUT /_tessera/faults.',
    options: { port: { type: 'string' }, 'data-dir': { type: 'string' }, fault: { type: 'string' } },
    async run({ values, io }) {
      const faults = faultsOf(values.fault);
      const ssmPort: NamedPort = { port: port(values.port, DEFAULT_SSM_PORT), name: 'ssm-local', flag: '--port' };
      await requireFreePorts([ssmPort]);
      const server = await startSsmLocal({
        port: ssmPort.port,
        dataDir: resolve(io.cwd, String(values['data-dir'] ?? DEFAULT_DATA_DIR)),
        logger: logger(io),
      }).catch(explained(ssmPort));
      server.faults.set(...faults);
      io.stdout.write(`ssm-local listening on ${server.url}\nexport AWS_ENDPOINT_URL_SSM=${server.url}\n`);
      if (faults.length > 0) io.stdout.write(`faults: ${JSON.stringify(faults)} (PUT or DELETE ${server.url}/_tessera/faults)\n`);
      await untilSignal();
      await server.close();
      return 0;
    },
  },
  offline: {
    summary: 'run the app locally: ssm-local plus `serverless offline`',
    usage:
      'offline [--ssm-port 4583] [--http-port 4000] [--sls-port <http-port + 10>] [--lambda-port <http-port + 2>] [--ws-port <http-port + 1>] [--data-dir .tessera/ssm]\n' +
      'A flag beats its variable (TESSERA_SLS_PORT, TESSERA_LAMBDA_PORT, TESSERA_WS_PORT), which beats the default.',
    options: {
      'ssm-port': { type: 'string' },
      'http-port': { type: 'string' },
      'sls-port': { type: 'string' },
      'lambda-port': { type: 'string' },
      'ws-port': { type: 'string' },
      'data-dir': { type: 'string' },
    },
    async run({ values, io }) {
      const httpPort = port(values['http-port'], DEFAULT_HTTP_PORT);
      // serverless-offline listens behind a proxy that gives browsers the function's own CORS answer, as on AWS. It
      // also opens a Lambda API and a WebSocket port, which would default to 3002 and 3001: every one is passed.
      const ports = {
        ssm: { port: port(values['ssm-port'], DEFAULT_SSM_PORT), name: 'ssm-local', flag: '--ssm-port' },
        http: { port: httpPort, name: 'functions', flag: '--http-port' },
        sls: {
          port: port(values['sls-port'] ?? io.env.TESSERA_SLS_PORT, httpPort + 10),
          name: 'serverless offline',
          flag: '--sls-port',
          env: 'TESSERA_SLS_PORT',
        },
        lambda: {
          port: port(values['lambda-port'] ?? io.env.TESSERA_LAMBDA_PORT, httpPort + 2),
          name: "serverless offline's Lambda API",
          flag: '--lambda-port',
          env: 'TESSERA_LAMBDA_PORT',
        },
        ws: {
          port: port(values['ws-port'] ?? io.env.TESSERA_WS_PORT, httpPort + 1),
          name: "serverless offline's WebSocket API",
          flag: '--ws-port',
          env: 'TESSERA_WS_PORT',
        },
      } satisfies Record<string, NamedPort>;
      await requireFreePorts(Object.values(ports));
      const ssm = await startSsmLocal({
        port: ports.ssm.port,
        dataDir: resolve(io.cwd, String(values['data-dir'] ?? DEFAULT_DATA_DIR)),
        logger: logger(io),
      }).catch(explained(ports.ssm));
      const innerPort = ports.sls.port;
      const env = {
        ...io.env,
        AWS_ENDPOINT_URL_SSM: ssm.url,
        AWS_ACCESS_KEY_ID: io.env.AWS_ACCESS_KEY_ID ?? 'offline',
        AWS_SECRET_ACCESS_KEY: io.env.AWS_SECRET_ACCESS_KEY ?? 'offline',
        AWS_REGION: io.env.AWS_REGION ?? 'us-east-1',
        AWS_EC2_METADATA_DISABLED: 'true',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        TESSERA_OFFLINE: 'true',
        // One key per run for the CSRF tokens, shared by every function of this serverless offline.
        TESSERA_CSRF_SECRET: io.env.TESSERA_CSRF_SECRET ?? randomBytes(32).toString('base64url'),
        TESSERA_HTTP_PORT: String(innerPort),
        TESSERA_LAMBDA_PORT: String(ports.lambda.port),
        TESSERA_WS_PORT: String(ports.ws.port),
      };
      io.stdout.write(`ssm-local on ${ssm.url}; starting serverless offline on http://127.0.0.1:${httpPort}\n`);
      const installPath = await installPagePath(io.cwd);
      if (installPath !== undefined) {
        io.stdout.write(
          `install page: http://127.0.0.1:${httpPort}${installPath} (it asks the platform that frames it for a session; \`npm start\` frames it at the dev platform's /install)\n`,
        );
      }
      const child = spawn(process.execPath, [serverlessBin(io.cwd), 'offline', 'start'], {
        cwd: io.cwd,
        env,
        stdio: ['ignore', 'inherit', 'inherit'],
      });
      const exited = new Promise<number>((done) => child.on('exit', (code) => done(code ?? 1)));
      // Listening for Ctrl-C from the start: a signal while serverless offline boots must still stop it.
      const signalled = untilSignal().then(() => -1);
      // The public port opens only once the functions answer, so whoever polls it can start calling. Polling stops
      // with the child or a signal: it would otherwise keep this process alive until its deadline.
      const polling = new AbortController();
      const ready = await Promise.race([
        waitForPort(innerPort, 180_000, true, polling.signal).then(
          () => true,
          () => false,
        ),
        exited.then(() => false),
        signalled.then(() => false),
      ]);
      polling.abort();
      let proxyFailure: unknown;
      const proxy = ready
        ? await startOfflineProxy({ port: httpPort, targetPort: innerPort }).catch((err: unknown) => void (proxyFailure = err))
        : undefined;
      // A proxy that cannot listen stops serverless offline too: the command must not outlive its public port.
      const first = proxyFailure === undefined ? await Promise.race([exited, signalled]) : -1;
      if (first === -1) child.kill('SIGTERM');
      const code = first === -1 ? await exited.then(() => 0) : first;
      await proxy?.close();
      await ssm.close();
      if (proxyFailure !== undefined) explained(ports.http)(proxyFailure);
      return code;
    },
  },
};
