/** `npm start`: the example end to end on this machine: ssm-local, a demo installation, the customer server, the
 *  product platform, and the functions under `serverless offline`. Each port comes from its flag, else its TESSERA_*
 *  variable, else its default (`npm start -- --help` lists them); a taken port is named and nothing starts.
 *  Ctrl-C stops everything it started. */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { SSMClient } from '@aws-sdk/client-ssm';
import { TesseraError } from '@tessera/protocol/errors';
import { createInstaller, SsmIparamStore } from '@tessera/runtime/iparams';
import { createKeyManager, SsmKeyStore, type SigningAlg } from '@tessera/runtime/keys';
import {
  isAddressInUse,
  portTakenMessage,
  startDevPlatform,
  takenPortMessages,
  waitForPort,
  type DevPlatform,
  type NamedPort,
} from '@tessera/offline';
import { loadProject } from '@tessera/schema';
import { startCustomerServer, type CustomerServer } from './customer-server.js';
import { flagsFor, portsUsage, readDemoPorts, type DemoPorts } from './_ports.js';
import { copyService, manifestAllows, readManifest, type ServiceCopy } from './_service-copy.js';

const root = resolve(__dirname, '..');
const env = process.env;
env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const INSTALLATION = env.TESSERA_DEMO_INSTALLATION ?? 'demo';
const DATA_DIR = resolve(root, env.TESSERA_DATA_DIR ?? '.tessera/ssm');

const USAGE = `Usage: npm start -- [--ssm-port N] [--http-port N] [--sls-port N] [--lambda-port N] [--ws-port N] [--customer-port N] [--platform-port N]

Runs the example app on 127.0.0.1. Each port comes from its flag, else its environment variable, else its default
(flag > variable > default):
${portsUsage()}

Also read: TESSERA_DATA_DIR (default .tessera/ssm), TESSERA_DEMO_INSTALLATION (demo), TESSERA_DEMO_AUTH_MODE (jwt).`;

/** A command-line mistake: said with the usage, exit code 2. */
class UsageError extends Error {}

/** A listener's EADDRINUSE (the port was taken after the check) said as the check says it, not as a stack trace. */
function listening<T>(p: NamedPort, start: Promise<T>): Promise<T> {
  return start.catch((err: unknown) => {
    throw isAddressInUse(err) ? new Error(portTakenMessage(p), { cause: err }) : err;
  });
}

/** The ports from the command line, or a UsageError naming what is wrong. */
function parseCommandLine(argv: string[]): { ports: DemoPorts; help: boolean } {
  try {
    const { ports, positionals, help } = readDemoPorts(argv, env);
    if (positionals.length > 0) throw new Error(`unexpected argument "${positionals[0]}"`);
    return { ports, help };
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

async function main(argv: string[]): Promise<void> {
  let offline: ChildProcess | undefined;
  let offlineExited: Promise<number> | undefined;
  let service: ServiceCopy | undefined;
  let customer: CustomerServer | undefined;
  let platform: DevPlatform | undefined;
  let stopping: Promise<void> | undefined;
  let signalled = false;
  /** Ends every port poll once stopping: a poll left running would hold this process open until its deadline. */
  const polling = new AbortController();
  const stop = (code: number) =>
    (stopping ??= (async () => {
      polling.abort();
      offline?.kill('SIGTERM');
      await Promise.all([offlineExited, customer?.close(), platform?.close()]);
      service?.remove();
      process.exitCode = code;
    })());
  const onSignal = () => {
    signalled = true;
    void stop(0);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    const { ports, help } = parseCommandLine(argv);
    if (help) return void console.log(USAGE);
    // Every port is checked before anything starts: a taken one would otherwise crash a child, or worse, answer as
    // if it were this run's (another checkout's functions on 4000).
    const taken = await takenPortMessages(Object.values(ports));
    if (taken.length > 0) throw new Error(taken.join('\n'));

    // The checkout's manifest names the default customer server and platform; on other ports the functions run from
    // a copy whose manifest names this run's, so they may call it and accept its sessions and origin.
    const customerUrl = `http://127.0.0.1:${ports.customer.port}`;
    const origins = { customerHost: `127.0.0.1:${ports.customer.port}`, platformOrigin: `http://127.0.0.1:${ports.platform.port}` };
    if (!manifestAllows(readManifest(root), origins)) {
      service = copyService(root, origins);
      console.log(
        `serving the functions from a copy of the service whose manifest.json also allows ${origins.customerHost} and ${origins.platformOrigin}`,
      );
    }

    const offlineFlags = (['ssm', 'http', 'sls', 'lambda', 'ws'] as const).flatMap((k) => [ports[k].flag, String(ports[k].port)]);
    offline = spawn(process.execPath, [resolve(root, 'packages/cli/bin/tessera.cjs'), 'offline', ...offlineFlags, '--data-dir', DATA_DIR], {
      cwd: service?.dir ?? root,
      env,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    const child = offline;
    offlineExited = new Promise<number>((done) => child.once('exit', (code) => done(code ?? 1)));
    // However `tessera offline` ends, the demo ends with it, with its exit code.
    void offlineExited.then((code) => {
      offline = undefined;
      void stop(code);
    });
    /** Polls a port of `tessera offline`, giving up at once when it has exited (it said why on stderr). */
    const offlineUp = (port: number, timeoutMs: number) =>
      Promise.race([
        waitForPort(port, timeoutMs, true, polling.signal),
        offlineExited!.then((code) => Promise.reject(new Error(`tessera offline exited (code ${code})`))),
      ]);
    await offlineUp(ports.ssm.port, 30_000);

    // The demo installation: created once, with a fresh random secret that is never printed.
    env.AWS_ENDPOINT_URL_SSM = `http://127.0.0.1:${ports.ssm.port}`;
    // The functions' own project: a copy's manifest allows this run's customer host, which the install checks.
    const { manifest, iparams } = await loadProject(service?.dir ?? root);
    const client = new SSMClient({ region: env.AWS_REGION ?? 'us-east-1', credentials: { accessKeyId: 'offline', secretAccessKey: 'offline' } });
    const store = new SsmIparamStore({ client });
    const installer = createInstaller({ manifest, schema: iparams, store, actor: 'demo' });
    if (!(await installer.exists(INSTALLATION))) {
      await installer.install(INSTALLATION, {
        server_url: customerUrl,
        shared_secret: randomBytes(32).toString('base64url'),
        auth_mode: env.TESSERA_DEMO_AUTH_MODE ?? 'jwt',
        support_email: 'support@example.com',
      });
      console.log(`installed demo installation "${INSTALLATION}" (secret generated and stored as a SecureString)`);
    } else if ((await store.get(manifest.app.id, INSTALLATION))?.document.values.server_url !== customerUrl) {
      // An installation made by a run on another customer port: the functions must call this run's server.
      await installer.set(INSTALLATION, 'server_url', customerUrl);
      console.log(`demo installation "${INSTALLATION}" now calls the customer server at ${customerUrl}`);
    }
    // With ES256/EdDSA in the manifest, jwt mode signs with the app's key: made once, as `tessera keys generate` would.
    const alg = manifest.customer.auth.alg ?? 'HS256';
    const appKeySigned = alg === 'ES256' || alg === 'EdDSA';
    let kid: string | undefined;
    if (appKeySigned) {
      const keys = createKeyManager({ appId: manifest.app.id, store: new SsmKeyStore({ client }), actor: 'demo' });
      kid = (await keys.list().catch(noKeysYet)).find((k) => k.state === 'current')?.kid;
      if (kid === undefined) {
        kid = (await keys.generate({ alg: alg as SigningAlg })).kid;
        console.log(`generated the app's ${alg} signing key, kid ${kid} (the private key stays in SSM)`);
      }
    }

    // The customer configures its verifier: with the app's JWKS when tokens are signed with the app's key, otherwise
    // with the installation's secret, which the demo reads from the store as an admin would.
    const stored = await store.get(manifest.app.id, INSTALLATION);
    const values = stored!.document.values;
    const mode = values.auth_mode === 'shared-secret' ? 'shared-secret' : 'jwt';
    const fn = `http://127.0.0.1:${ports.http.port}`;
    const jwksUrl = `${fn}/.well-known/jwks.json`;
    customer = await listening(
      ports.customer,
      startCustomerServer({
        port: ports.customer.port,
        mode,
        appId: manifest.app.id,
        installationId: INSTALLATION,
        // The live feed opens only for the product page's origin.
        allowedOrigins: [`http://127.0.0.1:${ports.platform.port}`],
        // The functions (and so the JWKS) start after this server: the verifier fetches the keys on the first token.
        ...(mode === 'jwt' && appKeySigned
          ? { jwks: { url: jwksUrl, algorithms: [alg as SigningAlg] } }
          : { secrets: [String(values.shared_secret)] }),
      }),
    );
    // The stand-in for the product: issues session tokens naming the demo installation, and serves the product page.
    platform = await listening(
      ports.platform,
      startDevPlatform({
        port: ports.platform.port,
        appId: manifest.app.id,
        installationId: INSTALLATION,
        functionsUrl: fn,
        socketOrigins: [`ws://127.0.0.1:${ports.customer.port}`],
        pageDir: resolve(root, 'demo/product'),
      }),
    );

    await offlineUp(ports.http.port, 120_000);
    printHints({
      ports,
      mode,
      alg,
      fn,
      platformUrl: platform.url,
      customerUrl: customer.url,
      appKey: kid === undefined ? undefined : { alg, kid, jwksUrl },
    });
  } catch (err) {
    // Ctrl-C while starting stops `tessera offline`, and so whatever waited on it: nothing failed.
    if (signalled) return;
    if (err instanceof UsageError) {
      console.error(`npm start: ${err.message}\n(npm start -- --help lists the ports, their variables and defaults)`);
      return void stop(2);
    }
    for (const line of String((err as Error)?.message ?? 'unknown error').split('\n')) console.error(`demo failed: ${line}`);
    void stop(1);
  }
}

/** What to try, once everything is up. */
function printHints(run: {
  ports: DemoPorts;
  mode: 'jwt' | 'shared-secret';
  alg: string;
  fn: string;
  platformUrl: string;
  customerUrl: string;
  appKey: { alg: string; kid: string; jwksUrl: string } | undefined;
}): void {
  const { ports, mode, alg, fn } = run;
  console.log(`
Tessera demo is up (auth mode: ${mode}${mode === 'jwt' ? `, signed ${alg}` : ''}).

Open the product page in a browser: ${run.platformUrl}/  (look up order 1001, add a note; its status and notes
follow live, over a WebSocket the page opens with a single-use ticket that rides in the subprotocols, never the URL)

Install page: ${run.platformUrl}/install  (the app's page from iparams.json, framed as the product embeds it, with an
admin session; it edits the ${INSTALLATION} installation: secure fields stay blank, and blank keeps the stored value)

Or with curl, as the product's frontend would (a session token from the platform, then the function):

  TOKEN=$(curl -s -X POST ${run.platformUrl}/session | node -pe 'JSON.parse(require("fs").readFileSync(0,"utf8")).token')
  curl -s -H "Authorization: Bearer $TOKEN" '${fn}/getOrder?id=1001'

addNote is csrf: true: fetch a CSRF token (its __Host- cookie lands in a cookie jar), then send both:

  CSRF=$(curl -s -c .tessera/jar -H "Authorization: Bearer $TOKEN" ${fn}/csrf | node -pe 'JSON.parse(require("fs").readFileSync(0,"utf8")).token')
  curl -s -b .tessera/jar -X POST -H "Authorization: Bearer $TOKEN" -H "X-CSRF-Token: $CSRF" -H 'content-type: application/json' \\
       -d '{"orderId":"1001","text":"Customer called about delivery"}' '${fn}/addNote'

A server can call addNote with HTTP Basic instead (user ${INSTALLATION}) once the installation has a password:
  AWS_ENDPOINT_URL_SSM=http://127.0.0.1:${ports.ssm.port} AWS_ACCESS_KEY_ID=offline AWS_SECRET_ACCESS_KEY=offline AWS_REGION=us-east-1 \\
    npx tessera iparams set ${INSTALLATION} basic_password      # prompts, masked
  then the same two calls with -u ${INSTALLATION} in place of the Authorization header.

${customerHints(mode, run.customerUrl, run.appKey, flagsFor(ports, ['ssm', 'http', 'customer']))}

The live feed (${run.customerUrl.replace(/^http/, 'ws')}/orders/live) opens only for the product page, once per ticket:

${commands([
  [
    `node --import tsx demo/attack.ts ws-foreign${flagsFor(ports, ['http', 'platform'])}`,
    'a fresh ticket, from another origin: 403 ERR_VERIFY_ORIGIN',
  ],
  [`node --import tsx demo/attack.ts ws-reuse${flagsFor(ports, ['http', 'platform'])}`, 'opened once, then 401 ERR_VERIFY_REPLAYED'],
])}

Ctrl-C stops everything.`);
}

/** A first run: the app has no key document yet. */
function noKeysYet(err: unknown): [] {
  if (err instanceof TesseraError && err.code === 'ERR_KEYS_NOT_FOUND') return [];
  throw err;
}

/** Indented command lines with their expected answers lined up as comments. */
function commands(lines: [command: string, answer: string][]): string {
  const width = Math.max(...lines.map(([command]) => command.length)) + 4;
  return lines.map(([command, answer]) => `  ${command.padEnd(width)}# ${answer}`).join('\n');
}

/** What to try against the customer's server; token attacks only where requests carry a token. */
function customerHints(
  mode: 'jwt' | 'shared-secret',
  url: string,
  appKey: { alg: string; kid: string; jwksUrl: string } | undefined,
  attackFlags: string,
): string {
  if (mode === 'shared-secret') {
    return `The customer's server (${url}) refuses any call without the installation's secret in X-Tessera-Secret:

${commands([
  [`curl -s ${url}/orders/1001`, 'ERR_VERIFY_MISSING'],
  [`curl -s -H 'X-Tessera-Secret: not-the-secret' ${url}/orders/1001`, 'ERR_VERIFY_SECRET'],
])}

Shared-secret mode sends the secret itself: there is no token to forge, and a captured header works until the
secret is rotated. jwt mode binds each call to its method, URL and body and refuses replays.`;
  }
  const signedBy = appKey
    ? `Each call to the customer's server is signed with the app's ${appKey.alg} key, kid ${appKey.kid}.
The customer's server checks it against the app's public keys, which the functions publish as a JWKS:

  curl -s ${appKey.jwksUrl}`
    : `Each call to the customer's server is signed with HS256 and the installation's shared secret.`;
  return `${signedBy}

The customer's server (${url}) refuses anything not signed by the app:

${commands([
  [`curl -s ${url}/orders/1001`, 'ERR_VERIFY_MISSING'],
  [
    `node --import tsx demo/attack.ts forge${attackFlags}`,
    `ERR_VERIFY_SIGNATURE (${appKey ? 'a fresh key under the published kid' : 'a random secret'})`,
  ],
  [`node --import tsx demo/attack.ts replay${attackFlags}`, 'first call 200, the replay ERR_VERIFY_REPLAYED'],
])}`;
}

void main(process.argv.slice(2));
