/** `npm start`: the example end to end on this machine: ssm-local, a demo installation, the customer server,
 *  and the functions under `serverless offline`. Ctrl-C stops everything it started. */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { SSMClient } from '@aws-sdk/client-ssm';
import { TesseraError } from 'tessera/errors';
import { createInstaller, SsmIparamStore } from 'tessera/iparams';
import { createKeyManager, SsmKeyStore, type SigningAlg } from 'tessera/keys';
import { startDevPlatform, waitForPort, type DevPlatform } from 'tessera/offline';
import { loadProject } from 'tessera/schema';
import { startCustomerServer, type CustomerServer } from './customer-server.js';

const root = resolve(__dirname, '..');
const env = process.env;
env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const SSM_PORT = Number(env.TESSERA_SSM_PORT ?? 4583);
const HTTP_PORT = Number(env.TESSERA_HTTP_PORT ?? 4000);
const CUSTOMER_PORT = 4100;
const PLATFORM_PORT = 4200;
const INSTALLATION = env.TESSERA_DEMO_INSTALLATION ?? 'demo';
const DATA_DIR = resolve(root, env.TESSERA_DATA_DIR ?? '.tessera/ssm');

async function main(): Promise<void> {
  let offline: ChildProcess | undefined;
  let customer: CustomerServer | undefined;
  let platform: DevPlatform | undefined;
  const stop = async (code: number) => {
    offline?.kill('SIGTERM');
    await customer?.close();
    await platform?.close();
    // A failure already set exit code 1; the SIGTERM it sends itself must not turn that into 0.
    if (code !== 0 || process.exitCode === undefined) process.exitCode = code;
  };
  process.once('SIGINT', () => void stop(0));
  process.once('SIGTERM', () => void stop(0));

  offline = spawn(process.execPath, [resolve(root, 'bin/tessera.cjs'), 'offline', '--ssm-port', String(SSM_PORT), '--http-port', String(HTTP_PORT), '--data-dir', DATA_DIR], {
    cwd: root,
    env,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  offline.once('exit', (code) => {
    offline = undefined;
    if (code) void stop(code);
  });
  await waitForPort(SSM_PORT, 30_000);

  // The demo installation: created once, with a fresh random secret that is never printed.
  env.AWS_ENDPOINT_URL_SSM = `http://127.0.0.1:${SSM_PORT}`;
  const { manifest, iparams } = await loadProject(root);
  const client = new SSMClient({ region: env.AWS_REGION ?? 'us-east-1', credentials: { accessKeyId: 'offline', secretAccessKey: 'offline' } });
  const store = new SsmIparamStore({ client });
  const installer = createInstaller({ manifest, schema: iparams, store, actor: 'demo' });
  if (!(await installer.exists(INSTALLATION))) {
    await installer.install(INSTALLATION, {
      server_url: `http://127.0.0.1:${CUSTOMER_PORT}`,
      shared_secret: randomBytes(32).toString('base64url'),
      auth_mode: env.TESSERA_DEMO_AUTH_MODE ?? 'jwt',
      support_email: 'support@example.com',
    });
    console.log(`installed demo installation "${INSTALLATION}" (secret generated and stored as a SecureString)`);
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
  const fn = `http://127.0.0.1:${HTTP_PORT}`;
  const jwksUrl = `${fn}/.well-known/jwks.json`;
  customer = await startCustomerServer({
    port: CUSTOMER_PORT,
    mode,
    appId: manifest.app.id,
    installationId: INSTALLATION,
    // The functions (and so the JWKS) start after this server: the verifier fetches the keys on the first token.
    ...(mode === 'jwt' && appKeySigned
      ? { jwks: { url: jwksUrl, algorithms: [alg as SigningAlg] } }
      : { secrets: [String(values.shared_secret)] }),
  });
  // The stand-in for the product: issues session tokens naming the demo installation, and serves the product page.
  platform = await startDevPlatform({ port: PLATFORM_PORT, appId: manifest.app.id, installationId: INSTALLATION, functionsUrl: fn, pageDir: resolve(root, 'demo/product') });

  await waitForPort(HTTP_PORT, 120_000);
  console.log(`
Tessera demo is up (auth mode: ${mode}${mode === 'jwt' ? `, signed ${alg}` : ''}).

Open the product page in a browser: ${platform.url}/  (look up order 1001, add a note)

Or with curl, as the product's frontend would (a session token from the platform, then the function):

  TOKEN=$(curl -s -X POST ${platform.url}/session | node -pe 'JSON.parse(require("fs").readFileSync(0,"utf8")).token')
  curl -s -H "Authorization: Bearer $TOKEN" '${fn}/getOrder?id=1001'

addNote is csrf: true: fetch a CSRF token (its __Host- cookie lands in a cookie jar), then send both:

  CSRF=$(curl -s -c .tessera/jar -H "Authorization: Bearer $TOKEN" ${fn}/csrf | node -pe 'JSON.parse(require("fs").readFileSync(0,"utf8")).token')
  curl -s -b .tessera/jar -X POST -H "Authorization: Bearer $TOKEN" -H "X-CSRF-Token: $CSRF" -H 'content-type: application/json' \\
       -d '{"orderId":"1001","text":"Customer called about delivery"}' '${fn}/addNote'

A server can call addNote with HTTP Basic instead (user ${INSTALLATION}) once the installation has a password:
  AWS_ENDPOINT_URL_SSM=http://127.0.0.1:${SSM_PORT} AWS_ACCESS_KEY_ID=offline AWS_SECRET_ACCESS_KEY=offline AWS_REGION=us-east-1 \\
    node bin/tessera.cjs iparams set ${INSTALLATION} basic_password      # prompts, masked
  then the same two calls with -u ${INSTALLATION} in place of the Authorization header.

${customerHints(mode, customer.url, kid === undefined ? undefined : { alg, kid, jwksUrl })}

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
function customerHints(mode: 'jwt' | 'shared-secret', url: string, appKey: { alg: string; kid: string; jwksUrl: string } | undefined): string {
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
  ['node --import tsx demo/attack.ts forge', `ERR_VERIFY_SIGNATURE (${appKey ? 'a fresh key under the published kid' : 'a random secret'})`],
  ['node --import tsx demo/attack.ts replay', 'first call 200, the replay ERR_VERIFY_REPLAYED'],
])}`;
}

main().catch((err: unknown) => {
  console.error(`demo failed: ${(err as Error)?.message ?? 'unknown error'}`);
  process.exitCode = 1;
  process.kill(process.pid, 'SIGTERM');
});
