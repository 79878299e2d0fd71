/**
 * Calls the demo customer server directly, as an attacker would: a forged token, a replayed valid one, a live-feed
 * ticket opened from another site, or a ticket used twice.
 */
import { generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { SSMClient } from '@aws-sdk/client-ssm';
import { SsmIparamStore } from '@tessera/runtime/iparams';
import { createSigningKeyProvider, SsmKeyStore, type SigningAlg } from '@tessera/runtime/keys';
import { createEdDsaSigner, createEs256Signer, createHs256Signer, newJti, type TokenSigner } from '@tessera/runtime/outbound';
import { silentLogger } from '@tessera/protocol/log';
import { bodyHash, normalizeHtu } from '@tessera/protocol';
import WebSocket from 'ws';
import manifest from '../manifest.json';
import { readDemoPorts } from './_ports.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
// The same ports as `npm start`, read the same way (flag > TESSERA_* variable > default), so the hints it prints work.
const { ports, positionals } = (() => {
  try {
    return readDemoPorts(process.argv.slice(2), process.env);
  } catch (err) {
    console.error(`attack.ts: ${(err as Error).message}`);
    process.exit(2);
  }
})();
const JWKS_URL = `http://127.0.0.1:${ports.http.port}/.well-known/jwks.json`;
const INSTALLATION = process.env.TESSERA_DEMO_INSTALLATION ?? 'demo';
const APP_ID = manifest.app.id;
const URL_TO_HIT = `http://127.0.0.1:${ports.customer.port}/orders/1001`;
const ALG = manifest.customer.auth.alg;
/** ES256/EdDSA: tokens are signed with the app's key (published as its JWKS), not the installation's secret. */
const APP_KEY_SIGNED = ALG === 'ES256' || ALG === 'EdDSA';

const client = new SSMClient({
  endpoint: `http://127.0.0.1:${ports.ssm.port}`,
  region: 'us-east-1',
  credentials: { accessKeyId: 'offline', secretAccessKey: 'offline' },
});

function signed(sign: TokenSigner): string {
  const iat = Math.floor(Date.now() / 1000);
  return sign({
    iss: APP_ID,
    sub: INSTALLATION,
    aud: new URL(URL_TO_HIT).origin,
    iat,
    nbf: iat,
    exp: iat + 30,
    jti: newJti(),
    htm: 'GET',
    htu: normalizeHtu(URL_TO_HIT),
    bh: bodyHash(undefined),
  });
}

function appKeySigner(alg: SigningAlg, privateKey: KeyObject, kid: string): TokenSigner {
  return alg === 'ES256' ? createEs256Signer(privateKey, kid) : createEdDsaSigner(privateKey, kid);
}

async function call(token: string): Promise<void> {
  const res = await fetch(URL_TO_HIT, { headers: { authorization: `Bearer ${token}` } });
  const body = (await res.json()) as { error?: { code: string } };
  console.log(`${res.status} ${body.error?.code ?? 'accepted'}`);
}

/** A token the app really signed, made the way its functions make one (the app's key, or the installation's secret). */
async function genuineSigner(values: Record<string, unknown>): Promise<TokenSigner> {
  if (!APP_KEY_SIGNED) return createHs256Signer(String(values.shared_secret));
  const provider = createSigningKeyProvider({ appId: APP_ID, store: new SsmKeyStore({ client }), logger: silentLogger });
  const { kid, alg, privateKey } = await provider.current();
  return appKeySigner(alg, privateKey, kid);
}

/**
 * A signature by a key the attacker made. An attacker knows what the app publishes, so the token names the app's
 * real `kid` and `alg` from its JWKS: the verifier then checks it against the app's real public key.
 */
async function forgedSigner(): Promise<TokenSigner> {
  if (!APP_KEY_SIGNED) return createHs256Signer(randomBytes(32).toString('base64url'));
  const { keys } = (await (await fetch(JWKS_URL)).json()) as { keys: { kid: string; alg: SigningAlg }[] };
  const published = keys[0];
  if (!published) throw new Error('the app publishes no key: run npm start first');
  const { privateKey } = published.alg === 'ES256' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('ed25519');
  return appKeySigner(published.alg, privateKey, published.kid);
}

/** A fresh live-feed ticket, minted by the app's real liveTicket function for a real platform session. */
async function liveTicket(): Promise<{ url: string; protocols: string[] }> {
  const platform = `http://127.0.0.1:${ports.platform.port}`;
  const { token } = (await (await fetch(`${platform}/session`, { method: 'POST' })).json()) as { token: string };
  const res = await fetch(`http://127.0.0.1:${ports.http.port}/liveTicket`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, origin: platform, 'content-type': 'application/json' },
    body: JSON.stringify({ orderId: '1001' }),
  });
  if (!res.ok) throw new Error(`liveTicket answered ${res.status}: run npm start first`);
  return (await res.json()) as { url: string; protocols: string[] };
}

/** Opens the live feed from `origin`; prints the first update, or the status and code of the refusal. */
function openLive(ticket: { url: string; protocols: string[] }, origin: string): Promise<void> {
  return new Promise((done) => {
    const ws = new WebSocket(ticket.url, ticket.protocols, { origin });
    ws.once('message', (data) => {
      console.log(`opened from ${origin}: ${data.toString()}`);
      ws.close();
      done();
    });
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => {
        console.log(`refused from ${origin}: ${res.statusCode} ${(JSON.parse(body) as { error: { code: string } }).error.code}`);
        done();
      });
    });
    ws.once('error', () => undefined);
  });
}

async function main(kind: string | undefined): Promise<void> {
  const kinds = ['forge', 'replay', 'ws-foreign', 'ws-reuse'];
  if (kind === undefined || !kinds.includes(kind)) {
    throw new Error(`usage: attack.ts ${kinds.join('|')} [--ssm-port N] [--http-port N] [--customer-port N] [--platform-port N]`);
  }
  const page = `http://127.0.0.1:${ports.platform.port}`;
  // A page on another site that got hold of a freshly minted ticket still cannot open the feed: Origin is checked.
  if (kind === 'ws-foreign') return openLive(await liveTicket(), 'https://evil.example');
  if (kind === 'ws-reuse') {
    const ticket = await liveTicket();
    await openLive(ticket, page);
    return openLive(ticket, page);
  }
  const stored = await new SsmIparamStore({ client }).get(APP_ID, INSTALLATION);
  if (!stored) throw new Error('no demo installation: run npm start first');
  if (stored.document.values.auth_mode === 'shared-secret') {
    throw new Error(
      'the demo installation uses shared-secret mode: requests carry the secret itself, not a token, so there is nothing to forge or replay',
    );
  }
  if (kind === 'forge') return call(signed(await forgedSigner()));
  const token = signed(await genuineSigner(stored.document.values));
  await call(token);
  await call(token);
}

main(positionals[0]).catch((err: unknown) => {
  console.error((err as Error).message);
  process.exitCode = 1;
});
