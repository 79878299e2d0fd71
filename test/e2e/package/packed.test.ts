/**
 * The packed tarballs as a customer's project loads them: every entry point of every package under `require` and
 * `import`, one error identity across packages, and `@tessera/verify` installed alone, without the AWS SDK.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildOrder, dependencyTree, installInto, packAll, type Customer, type PackageManifest, type PackageName, type Packed } from './_packed.js';

jest.setTimeout(240_000);
const root = resolve(__dirname, '../../..');
const PACKAGES = buildOrder(root);

const VERIFY_SCRIPT = `
const { createVerifier } = require('@tessera/verify');
const { createHmac, randomBytes } = require('node:crypto');
const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
const secret = 'd'.repeat(43);
const v = createVerifier({ mode: 'jwt', secrets: [secret], publicOrigin: 'https://c.example.com', issuer: 'app', installationId: 'i', logger: { log() {} } });
const iat = Math.floor(Date.now() / 1000);
const input = b64({ alg: 'HS256', typ: 'tessera+jwt' }) + '.' + b64({ iss: 'app', sub: 'i', aud: 'https://c.example.com', iat,
  nbf: iat, exp: iat + 30, jti: randomBytes(16).toString('base64url'), htm: 'GET', htu: 'https://c.example.com/x',
  bh: '47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU' });
const token = input + '.' + createHmac('sha256', secret).update(input).digest('base64url');
v.verify({ method: 'GET', url: '/x', headers: { authorization: 'Bearer ' + token }, body: Buffer.alloc(0) }).then(async (r) => {
  const refused = await v.verify({ method: 'GET', url: '/x', headers: {}, body: Buffer.alloc(0) }).catch((e) => e);
  const verify = require('@tessera/verify');
  const loaded = Object.keys(require.cache).filter((k) => /@aws-sdk|axios|ajv|yaml/.test(k));
  console.log(JSON.stringify({ installationId: r.installationId, loaded, refusedIsTessera: verify.isTesseraError(refused) && refused instanceof verify.TesseraError }));
});`;

/**
 * One error of each family, each raised by the package that owns it, loaded with \`load\` (require or import); each is
 * checked against @tessera/protocol/errors loaded both ways, and against the classes @tessera/verify re-exports.
 */
const FAMILIES_SCRIPT = `
import { createRequire } from 'node:module';
const require = createRequire(process.cwd() + '/');
const errorsCjs = require('@tessera/protocol/errors');
const errorsEsm = await import('@tessera/protocol/errors');
const caught = async (f) => { try { await f(); } catch (e) { return e; } return undefined; };
const silent = { log() {} };

async function families(load) {
  const verify = await load('@tessera/verify');
  const inbound = await load('@tessera/runtime/inbound');
  const schema = await load('@tessera/schema');
  const iparams = await load('@tessera/runtime/iparams');
  const runtime = await load('@tessera/runtime');
  const keys = await load('@tessera/runtime/keys');
  let outbound;
  const app = runtime.createApp({
    manifest: { app: { id: 'order-lookup', version: '1.0.0' }, functions: { getOrder: { methods: ['GET'] } },
      customer: { baseUrl: '{{iparams.server_url}}', allowedHosts: ['*.orders.example.com'], auth: { mode: 'shared-secret', secretIparam: 'shared_secret' } } },
    store: { async get(_app, id) { return { version: 1, document: { format: 1, installationId: id, fields: {}, installedAt: '', updatedAt: '',
      values: { server_url: 'https://acme.orders.example.com', shared_secret: 's'.repeat(43) } } }; }, put: async () => ({ version: 1 }), delete: async () => true },
    identify: () => 'acme-1',
    logger: silent,
  });
  await app.defineFunction('getOrder', async ({ customer }) => { outbound = await caught(() => customer.get('https://evil.example.net/orders/1')); return { body: {} }; })(
    { rawPath: '/getOrder', rawQueryString: '', headers: {}, requestContext: { http: { method: 'GET', path: '/getOrder' } }, isBase64Encoded: false });
  return {
    VerifyError: await caught(() => verify.createVerifier({ mode: 'shared-secret', secrets: ['s'.repeat(32)], publicOrigin: 'https://c.example.com',
      logger: silent }).verify({ method: 'GET', url: '/', headers: {}, body: new Uint8Array() })),
    InboundError: await caught(() => inbound.createCsrfGuard({ secret: 'x'.repeat(43), logger: silent }).verify({ headers: {} }, 'binding')),
    ConfigError: await caught(() => schema.validateManifest({}, {})),
    IparamValidationError: await caught(() => schema.validateIparamValues({ url: { display_name: 'URL', type: 'url', required: true } }, {})),
    StoreError: iparams.toStoreError(new Error('connection reset')),
    OutboundError: outbound,
    KeysError: await caught(() => keys.createSigningKeyProvider({ appId: 'order-lookup', store: { get: async () => undefined }, logger: silent }).current()),
  };
}

const result = {};
for (const [system, load] of [['require', (n) => require(n)], ['import', (n) => import(n)]]) {
  const fromVerify = await load('@tessera/verify');
  for (const [family, e] of Object.entries(await families(load))) {
    result[system + ' ' + family] = e && [e.name, e.code, e instanceof errorsCjs[family], e instanceof errorsEsm[family],
      e instanceof errorsCjs.TesseraError, e instanceof errorsEsm.TesseraError, errorsCjs.isTesseraError(e), errorsEsm.isTesseraError(e),
      e instanceof fromVerify.TesseraError];
  }
}
console.log(JSON.stringify({ same: errorsCjs.TesseraError === errorsEsm.TesseraError, result }));`;

const ENTRY_POINTS_SCRIPT = `
import { createRequire } from 'node:module';
const require = createRequire(process.cwd() + '/');
const out = {};
for (const name of JSON.parse(process.argv[1])) {
  const cjs = Object.keys(require(name)).sort();
  const esm = Object.keys(await import(name)).filter((k) => k !== 'default' && k !== 'module.exports').sort();
  out[name] = { cjs, esm };
}
console.log(JSON.stringify(out));`;

function node(args: string[], cwd: string): unknown {
  const out = spawnSync(process.execPath, args, { cwd, encoding: 'utf8', env: { ...process.env, NODE_NO_WARNINGS: '1' } });
  expect(out.stderr).toBe('');
  return JSON.parse(out.stdout) as unknown;
}

const manifestOf = (customer: Customer, name: PackageName) =>
  JSON.parse(readFileSync(join(customer.dir(name), 'package.json'), 'utf8')) as PackageManifest;

describe('the packed packages', () => {
  let packed: Packed;
  let all: Customer;
  let verifyOnly: Customer;
  beforeAll(() => {
    packed = packAll(root);
    all = installInto(root, packed, PACKAGES, ['express', 'ioredis', 'esbuild', 'ws']);
    verifyOnly = installInto(root, packed, ['protocol', 'verify']);
  });
  afterAll(() => {
    all?.remove();
    verifyOnly?.remove();
    packed?.remove();
  });

  it.each(PACKAGES)('@tessera/%s holds every file its exports name, types first, and only dist, bin, schema, templates and its README', (name) => {
    const manifest = manifestOf(all, name);
    const named = Object.values(manifest.exports).flatMap((entry) => (typeof entry === 'string' ? [entry] : Object.values(entry)));
    expect(named.filter((f) => !existsSync(join(all.dir(name), f)))).toEqual([]);
    for (const entry of Object.values(manifest.exports)) if (typeof entry === 'object') expect(Object.keys(entry)[0]).toBe('types');
    expect(packed.files[name].filter((f) => !/^(dist|bin|schema|templates)\//.test(f) && !['package.json', 'README.md'].includes(f))).toEqual([]);
    // `tessera init` writes from templates inside the package: nothing is downloaded.
    if (name === 'cli') expect(packed.files[name]).toContain('templates/app/manifest.json.tmpl');
    expect(packed.files[name]).toContain('README.md');
  });

  it('packs all six packages, each after the workspace packages it depends on', () => {
    expect([...PACKAGES].sort()).toEqual(['cli', 'offline', 'protocol', 'runtime', 'schema', 'verify']);
    for (const [i, name] of PACKAGES.entries()) {
      const deps = Object.keys(manifestOf(all, name).dependencies ?? {}).filter((d) => d.startsWith('@tessera/'));
      for (const dep of deps) expect([name, dep, PACKAGES.indexOf(dep.slice(9) as never) < i]).toEqual([name, dep, true]);
    }
  });

  it('loads every entry point of every package under require and import, with the same named exports', () => {
    const names = PACKAGES.flatMap((name) =>
      Object.keys(manifestOf(all, name).exports)
        .filter((k) => k !== './package.json' && !k.endsWith('.json'))
        .map((k) => (k === '.' ? `@tessera/${name}` : `@tessera/${name}/${k.slice(2)}`)),
    );
    expect(names).toEqual(expect.arrayContaining(['@tessera/verify', '@tessera/runtime/keys', '@tessera/protocol/errors', '@tessera/cli/build']));
    const loaded = node(['--input-type=module', '-e', ENTRY_POINTS_SCRIPT, JSON.stringify(names)], all.app) as Record<
      string,
      { cjs: string[]; esm: string[] }
    >;
    expect(Object.keys(loaded).sort()).toEqual([...names].sort());
    for (const [name, { cjs, esm }] of Object.entries(loaded)) {
      expect([name, cjs.length > 0]).toEqual([name, true]);
      expect([name, esm]).toEqual([name, cjs]);
    }
  });

  it('gives one error identity: each family raised by its package is of @tessera/protocol/errors, under require and import', () => {
    const { same, result } = node(['--input-type=module', '-e', FAMILIES_SCRIPT], all.app) as { same: boolean; result: Record<string, unknown[]> };
    expect(same).toBe(true);
    const expected = {
      VerifyError: 'ERR_VERIFY_MISSING',
      InboundError: 'ERR_CSRF_INVALID',
      ConfigError: 'ERR_CONFIG_INVALID',
      IparamValidationError: 'ERR_IPARAM_INVALID',
      StoreError: 'ERR_STORE_UNAVAILABLE',
      OutboundError: 'ERR_OUTBOUND_HOST_NOT_ALLOWED',
      KeysError: 'ERR_KEYS_NOT_FOUND',
    };
    for (const system of ['require', 'import']) {
      for (const [family, code] of Object.entries(expected)) {
        const key = `${system} ${family}`;
        expect([key, result[key]]).toEqual([key, [family, code, true, true, true, true, true, true, true]]);
      }
    }
  });

  it('installs @tessera/verify with @tessera/protocol as its whole tree: no AWS SDK, axios, ajv or yaml', () => {
    expect([...dependencyTree(verifyOnly.app, '@tessera/verify')]).toEqual(['@tessera/protocol']);
    const installed = readdirSync(join(verifyOnly.app, 'node_modules')).flatMap((n) =>
      n.startsWith('@') ? readdirSync(join(verifyOnly.app, 'node_modules', n)).map((m) => `${n}/${m}`) : [n],
    );
    expect(installed.sort()).toEqual(['@tessera/protocol', '@tessera/verify']);
  });

  it('verifies a request with @tessera/verify alone, loading nothing of the server side', () => {
    const result = node(['-e', VERIFY_SCRIPT], verifyOnly.app) as { installationId: string; loaded: string[]; refusedIsTessera: boolean };
    expect(result).toEqual({ installationId: 'i', loaded: [], refusedIsTessera: true });
  });

  it('brings the AWS SDK with @tessera/runtime, which needs it (the tree check can fail)', () => {
    expect(dependencyTree(all.app, '@tessera/runtime')).toContain('@aws-sdk/client-ssm');
  });
});
