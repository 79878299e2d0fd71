/** Calls the demo customer server directly, as an attacker would: a forged token, or a replayed valid one. */
import { randomBytes } from 'node:crypto';
import { SSMClient } from '@aws-sdk/client-ssm';
import { SsmIparamStore } from 'tessera/iparams';
import { createHs256Signer, newJti } from 'tessera/outbound';
import { bodyHash, normalizeHtu } from 'tessera/protocol';

const SSM_PORT = Number(process.env.TESSERA_SSM_PORT ?? 4583);
const INSTALLATION = process.env.TESSERA_DEMO_INSTALLATION ?? 'demo';
const APP_ID = 'order-lookup';
const URL_TO_HIT = 'http://127.0.0.1:4100/orders/1001';

function tokenFor(secret: string): string {
  const iat = Math.floor(Date.now() / 1000);
  return createHs256Signer(secret)({
    iss: APP_ID, sub: INSTALLATION, aud: new URL(URL_TO_HIT).origin, iat, nbf: iat, exp: iat + 30,
    jti: newJti(), htm: 'GET', htu: normalizeHtu(URL_TO_HIT), bh: bodyHash(undefined),
  });
}

async function call(token: string): Promise<void> {
  const res = await fetch(URL_TO_HIT, { headers: { authorization: `Bearer ${token}` } });
  const body = (await res.json()) as { error?: { code: string } };
  console.log(`${res.status} ${body.error?.code ?? 'accepted'}`);
}

async function main(kind: string | undefined): Promise<void> {
  if (kind === 'forge') return call(tokenFor(randomBytes(32).toString('base64url')));
  if (kind !== 'replay') throw new Error('usage: attack.ts forge|replay');
  // Replaying needs a token the app really signed: read the demo secret as the app's function would.
  const store = new SsmIparamStore({
    client: new SSMClient({ endpoint: `http://127.0.0.1:${SSM_PORT}`, region: 'us-east-1', credentials: { accessKeyId: 'offline', secretAccessKey: 'offline' } }),
  });
  const stored = await store.get(APP_ID, INSTALLATION);
  if (!stored) throw new Error('no demo installation: run npm start first');
  const token = tokenFor(String(stored.document.values.shared_secret));
  await call(token);
  await call(token);
}

main(process.argv[2]).catch((err: unknown) => {
  console.error((err as Error).message);
  process.exitCode = 1;
});
