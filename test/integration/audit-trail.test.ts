/**
 * The audit trail of a whole life cycle, across parts: install, update, rotate, key generation and rotation, a
 * refused key retirement, verifier refusals over real HTTP, uninstall. One event each, with what, which
 * installation, which parameter or kid, who, when and the result; and no secret, token or key anywhere in the log.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInstaller, SsmIparamStore } from '../../packages/runtime/src/iparams/index.js';
import { createKeyManager, SsmKeyStore } from '../../packages/runtime/src/keys/index.js';
import { createHs256Signer, newJti } from '../../packages/runtime/src/outbound/index.js';
import { bodyHash, normalizeHtu } from '../../packages/protocol/src/index.js';
import type { IparamsSchema, Manifest } from '../../packages/schema/src/index.js';
import { createVerifier, sendVerifyError, verifyNodeRequest } from '../../packages/verify/src/index.js';
import { captureLogger } from '../helpers/logs.js';
import { startLocalSsm, type LocalSsm } from '../helpers/ssm.js';

const APP_ID = 'order-lookup';
const S1 = 'audit-Secret-one_0123456789abcdefghijklmnopqrs';
const S2 = 'audit-Secret-two_ZYXWVUTSRQPONMLKJIHGFEDCBA987';
const FORGED = 'audit-Forged-key_qwertyuiopasdfghjklzxcvbnm01';
const schema: IparamsSchema = {
  server_url: { display_name: 'Server', type: 'url', required: true },
  shared_secret: { display_name: 'Secret', type: 'text', secure: true, required: true },
  support_email: { display_name: 'Support', type: 'email' },
};

let ssm: LocalSsm;
let server: Server;
let origin: string;

beforeAll(async () => {
  ssm = await startLocalSsm();
});
afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  await ssm.stop();
});

function tokenFor(secret: string): string {
  const iat = Math.floor(Date.now() / 1000);
  const url = `${origin}/orders/1`;
  return createHs256Signer(secret)({
    iss: APP_ID,
    sub: 'acme',
    aud: origin,
    iat,
    nbf: iat,
    exp: iat + 30,
    jti: newJti(),
    htm: 'GET',
    htu: normalizeHtu(url),
    bh: bodyHash(undefined),
  });
}

describe('audit trail of a full scenario', () => {
  it('has one event per operation and refusal, with who and when, and never a value, token or key', async () => {
    // Prepare: one log for everything, as a deployment would ship to one place
    const { logger, lines } = captureLogger();
    const client = ssm.client().client;
    server = createServer(async (req, res) => {
      try {
        await verifyNodeRequest(req, verifier);
        res.end('{}');
      } catch (err) {
        sendVerifyError(res, err);
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const manifest: Manifest = {
      app: { id: APP_ID, version: '1.0.0' },
      functions: { getOrder: { methods: ['GET'] } },
      customer: { baseUrl: '{{iparams.server_url}}', allowedHosts: [new URL(origin).host], auth: { mode: 'jwt', secretIparam: 'shared_secret' } },
    };
    const installer = createInstaller({ manifest, schema, store: new SsmIparamStore({ client }), logger, actor: 'alice' });
    const keys = createKeyManager({ appId: APP_ID, store: new SsmKeyStore({ client }), logger, actor: 'alice' });
    const verifier = createVerifier({ mode: 'jwt', secrets: [S2], publicOrigin: origin, issuer: APP_ID, logger });
    const call = (token?: string) => fetch(`${origin}/orders/1`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

    // Act
    await installer.install('acme', { server_url: origin, shared_secret: S1 });
    await installer.set('acme', 'support_email', 'help@acme.test');
    await installer.rotate('acme', 'shared_secret', S2);
    const first = await keys.generate({ alg: 'ES256' });
    const next = await keys.rotate({ alg: 'EdDSA' });
    await expect(keys.retire({ kid: first.kid })).rejects.toMatchObject({ code: 'ERR_KEYS_CONFLICT' });
    const valid = tokenFor(S2);
    const forged = tokenFor(FORGED);
    const stale = tokenFor(S1);
    const statuses = [
      (await call()).status,
      (await call(forged)).status,
      (await call(stale)).status,
      (await call(valid)).status,
      (await call(valid)).status,
    ];
    const keyDoc = await new SsmKeyStore({ client }).get(APP_ID);
    await installer.uninstall('acme');

    // Assess: the events, in order
    const events = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const named = (name: string) => events.filter((e) => e.event === name);
    expect(statuses).toEqual([401, 401, 401, 200, 401]);
    for (const [name, fields] of [
      ['iparams.installed', { installationId: 'acme', result: 'ok' }],
      ['iparams.updated', { installationId: 'acme', parameter: 'support_email', result: 'ok' }],
      ['iparams.rotated', { installationId: 'acme', parameter: 'shared_secret', result: 'ok' }],
      ['iparams.uninstalled', { installationId: 'acme', result: 'ok' }],
      ['keys.generated', { kid: first.kid, result: 'ok' }],
      ['keys.rotated', { kid: next.kid, result: 'ok' }],
      ['keys.retired', { kid: first.kid, result: 'refused', code: 'ERR_KEYS_CONFLICT' }],
    ] as const) {
      expect(named(name)).toEqual([expect.objectContaining({ ...fields, actor: 'alice', at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) })]);
    }
    expect(named('verify.refused').map((e) => e.code)).toEqual([
      'ERR_VERIFY_MISSING',
      'ERR_VERIFY_SIGNATURE',
      'ERR_VERIFY_SIGNATURE',
      'ERR_VERIFY_REPLAYED',
    ]);
    for (const e of named('verify.refused')) expect(e).toMatchObject({ result: 'refused', at: expect.stringMatching(/^\d{4}-/) });
    expect(
      named('verify.refused')
        .slice(1)
        .map((e) => e.claimedInstallation),
    ).toEqual(['acme', 'acme', 'acme']);

    // Assess: nothing secret in the whole log
    const text = lines.join('\n');
    const privateParts = (keyDoc?.document.keys ?? []).map((k) => String((k as unknown as { privateJwk: { d: string } }).privateJwk.d));
    expect(privateParts).toHaveLength(2);
    for (const secret of [S1, S2, FORGED, valid, forged, stale, ...valid.split('.'), ...privateParts]) expect(text).not.toContain(secret);
  });
});
