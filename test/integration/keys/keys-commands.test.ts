/** `tessera keys …` against a real ssm-local, and the JWKS function and signer reading what the CLI wrote. */
import { resolve } from 'node:path';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { createJwksHandler, createSigningKeyProvider, SsmKeyStore, type KeySetDocument } from '../../../packages/runtime/src/keys/index.js';
import { silentLogger } from '../../../packages/protocol/src/log.js';
import { createEdDsaSigner, createEs256Signer } from '../../../packages/runtime/src/outbound/index.js';
import { TOKEN_TYPE } from '../../../packages/protocol/src/index.js';
import { cli, type CliRun } from '../../helpers/cli.js';
import { startLocalSsm, type LocalSsm } from '../../helpers/ssm.js';

const root = resolve(__dirname, '../../..');
const APP = 'order-lookup';
const PARAMETER = `/tessera/${APP}/keys/signing`;
let ssm: LocalSsm;

beforeEach(async () => {
  ssm = await startLocalSsm();
  process.env.AWS_ENDPOINT_URL_SSM = ssm.server.url;
});
afterEach(async () => {
  delete process.env.AWS_ENDPOINT_URL_SSM;
  await ssm.stop();
});

const run = (...args: string[]) => cli(args, { cwd: root, env: { ...process.env, USER: 'alice' } });

async function stored(): Promise<{ type: string | undefined; document: KeySetDocument }> {
  const out = await ssm.client().client.send(new GetParameterCommand({ Name: PARAMETER, WithDecryption: true }));
  return { type: out.Parameter?.Type, document: JSON.parse(out.Parameter?.Value as string) as KeySetDocument };
}

/** Everything the CLI printed, to prove no private member, PEM or `d` reached it. */
function expectNoKeyMaterial(runs: CliRun[], privateParts: string[]): void {
  const printed = runs.map((r) => r.stdout + r.stderr).join('\n');
  expect(privateParts.length).toBeGreaterThan(0);
  for (const d of privateParts) expect(printed).not.toContain(d);
  expect(printed).not.toMatch(/PRIVATE KEY|"d"\s*:|privateJwk/);
}

describe('tessera keys', () => {
  it.each(['ES256', 'EdDSA'])('generate --alg %s stores a SecureString, prints only the kid, and audits the event', async (alg) => {
    // Act
    const res = await run('keys', 'generate', '--alg', alg);
    // Assess
    expect(res.code).toBe(0);
    const { type, document } = await stored();
    const kid = document.keys[0]!.kid;
    expect(type).toBe('SecureString');
    expect(res.stdout).toBe(`generated ${alg} key ${kid}; it signs from now (publish the JWKS function before the first call)\n`);
    const audit = res.stderr
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(audit).toEqual([expect.objectContaining({ event: 'keys.generated', kid, alg, actor: 'alice', result: 'ok', at: expect.any(String) })]);
    expectNoKeyMaterial(
      [res],
      document.keys.map((k) => k.privateJwk.d),
    );
  });

  it('rotate publishes the next key with the delay, list shows states and dates, retire refuses the signing key', async () => {
    // Prepare
    await run('keys', 'generate');
    // Act
    const rotated = await run('keys', 'rotate', '--alg', 'EdDSA', '--delay-sec', '900');
    const listed = await run('keys', 'list');
    const listedJson = await run('keys', 'list', '--json');
    const { document } = await stored();
    const [first, second] = document.keys as [KeySetDocument['keys'][0], KeySetDocument['keys'][0]];
    const retireCurrent = await run('keys', 'retire', `--kid=${first.kid}`);
    const retireNone = await run('keys', 'retire');
    // Assess
    expect(rotated.code).toBe(0);
    expect(rotated.stdout).toBe(`published EdDSA key ${second.kid}; signing switches to it at ${second.activatesAt}\n`);
    expect(Date.parse(second.activatesAt) - Date.parse(second.createdAt)).toBe(900_000);
    expect(listed.stdout).toMatch(new RegExp(`${second.kid}\\s+EdDSA\\s+next\\s+created \\S+\\s+signs from ${second.activatesAt}`));
    expect(listed.stdout).toMatch(new RegExp(`${first.kid}\\s+ES256\\s+current`));
    expect(JSON.parse(listedJson.stdout).map((k: { state: string }) => k.state)).toEqual(['next', 'current']);
    expect(retireCurrent).toMatchObject({ code: 1, stderr: expect.stringContaining('error ERR_KEYS_CONFLICT: the signing key cannot be retired') });
    expect(retireNone).toMatchObject({ code: 0, stdout: 'no key can be retired now\n' });
    expect((await stored()).document.keys).toHaveLength(2);
    expectNoKeyMaterial(
      [rotated, listed, listedJson, retireCurrent, retireNone],
      document.keys.map((k) => k.privateJwk.d),
    );
  });

  it('retire --kid cancels a pending key long before it activates, and audits it', async () => {
    // Prepare
    await run('keys', 'generate');
    await run('keys', 'rotate', '--delay-sec', '900');
    const pending = (await stored()).document.keys[1]!;
    // Act
    const res = await run('keys', 'retire', `--kid=${pending.kid}`);
    // Assess
    expect(res).toMatchObject({ code: 0, stdout: `retired ${pending.kid} (next)\n` });
    expect(res.stderr).toContain('"event":"keys.retired"');
    expect((await stored()).document.keys.map((k) => k.kid)).not.toContain(pending.kid);
    expectNoKeyMaterial([res], [pending.privateJwk.d]);
  });

  it.each([['300'], ['419'], ['ten'], ['-600']])(
    'refuses --delay-sec %s with exit 2, naming the option and the rule, and writes nothing',
    async (delay) => {
      // Prepare
      await run('keys', 'generate');
      const before = await stored();
      // Act
      const res = await run('keys', 'rotate', `--delay-sec=${delay}`);
      // Assess
      expect(res.code).toBe(2);
      expect(res.stderr).toContain("--delay-sec must be a whole number of seconds, at least 420: longer than a verifier's JWKS cache (300 s)");
      expect(await stored()).toEqual(before);
    },
  );

  it('refuses a second generate and a second pending rotation (ERR_KEYS_CONFLICT)', async () => {
    await run('keys', 'generate');
    expect(await run('keys', 'generate')).toMatchObject({ code: 1, stderr: expect.stringContaining('ERR_KEYS_CONFLICT') });
    expect((await run('keys', 'rotate')).code).toBe(0);
    expect(await run('keys', 'rotate')).toMatchObject({ code: 1, stderr: expect.stringContaining('a rotation is pending') });
  });

  it('answers ERR_KEYS_NOT_FOUND before any key exists, and usage errors with exit 2', async () => {
    expect(await run('keys', 'list')).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('error ERR_KEYS_NOT_FOUND: the app has no signing keys: run `tessera keys generate`'),
    });
    expect(await run('keys', 'generate', '--alg', 'HS256')).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--alg must be one of ES256, EdDSA'),
    });
    expect((await run('keys', 'generate', 'extra')).code).toBe(2);
  });

  it('answers ERR_KEYS_INVALID for a corrupt document in SSM', async () => {
    // Prepare
    await run('keys', 'generate');
    const { document } = await stored();
    document.keys[0]!.kid = 'Z'.repeat(43);
    await new SsmKeyStore({ client: ssm.client().client }).put(APP, document, { createOnly: false });
    // Act
    const res = await run('keys', 'list');
    // Assess
    expect(res).toMatchObject({
      code: 1,
      stderr: expect.stringContaining(`error ERR_KEYS_INVALID: signing key document ${PARAMETER} keys[0]: kid is not the RFC 7638 thumbprint`),
    });
    expectNoKeyMaterial([res], [document.keys[0]!.privateJwk.d]);
  });
});

describe('the JWKS function and the signer over real SSM', () => {
  it('serve what the CLI wrote: tokens of both keys verify with jose against the served JWKS, which has no private part', async () => {
    // Prepare
    await run('keys', 'generate', '--alg', 'ES256');
    await run('keys', 'rotate', '--alg', 'EdDSA', '--delay-sec', '600');
    const { document } = await stored();
    const counting = ssm.client();
    const store = new SsmKeyStore({ client: counting.client });
    const handler = createJwksHandler({ appId: APP, store, logger: silentLogger });
    const later = Date.now() + 600_000;
    const nowProvider = createSigningKeyProvider({ appId: APP, store, logger: silentLogger });
    const laterProvider = createSigningKeyProvider({ appId: APP, store, logger: silentLogger, now: () => later });
    // Act
    const res = await handler({ requestContext: { http: { method: 'GET' } } });
    await handler({ requestContext: { http: { method: 'GET' } } });
    const current = await nowProvider.current();
    const next = await laterProvider.current();
    const nowSec = Math.floor(Date.now() / 1000);
    const claims = {
      iss: APP,
      sub: 'acme',
      aud: 'https://a.example.com',
      iat: nowSec,
      nbf: nowSec,
      exp: nowSec + 30,
      jti: 'y'.repeat(22),
      htm: 'GET',
      htu: 'https://a.example.com/',
      bh: '',
    };
    const jwks = createLocalJWKSet(JSON.parse(res.body));
    const options = { algorithms: ['ES256', 'EdDSA'], typ: TOKEN_TYPE };
    // Assess
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body).keys.every((k: object) => !('d' in k))).toBe(true);
    for (const k of document.keys) expect(res.body).not.toContain(k.privateJwk.d);
    expect(counting.trips.GetParameter).toBe(3); // one per handler TTL + one per provider
    expect([current.alg, next.alg]).toEqual(['ES256', 'EdDSA']);
    await expect(jwtVerify(createEs256Signer(current.privateKey, current.kid)(claims), jwks, options)).resolves.toBeDefined();
    await expect(jwtVerify(createEdDsaSigner(next.privateKey, next.kid)(claims), jwks, options)).resolves.toBeDefined();
  });
});
