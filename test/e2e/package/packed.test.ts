/**
 * The packed tarball as a customer's project loads it: every entry point under `require` and `import`, one error
 * identity across them, and `tessera/verify` without the AWS SDK or axios.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { installPacked, type PackedInstall } from './_packed.js';

jest.setTimeout(120_000);
const root = resolve(__dirname, '../../..');

const VERIFY_SCRIPT = `
const { createVerifier } = require('@tessera/verify');
const { createHmac, randomBytes } = require('node:crypto');
const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
const secret = 'd'.repeat(43);
const v = createVerifier({ mode: 'jwt', secrets: [secret], publicOrigin: 'https://c.example.com', issuer: 'app', logger: { log() {} } });
const iat = Math.floor(Date.now() / 1000);
const input = b64({ alg: 'HS256', typ: 'tessera+jwt' }) + '.' + b64({ iss: 'app', sub: 'i', aud: 'https://c.example.com', iat,
  nbf: iat, exp: iat + 30, jti: randomBytes(16).toString('base64url'), htm: 'GET', htu: 'https://c.example.com/x',
  bh: '47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU' });
const token = input + '.' + createHmac('sha256', secret).update(input).digest('base64url');
v.verify({ method: 'GET', url: '/x', headers: { authorization: 'Bearer ' + token }, body: Buffer.alloc(0) }).then((r) => {
  const loaded = Object.keys(require.cache).filter((k) => /@aws-sdk|axios/.test(k));
  console.log(JSON.stringify({ installationId: r.installationId, loaded }));
});`;

/**
 * One error of each family, each raised by the entry point that owns it, loaded with `load` (require or import);
 * each is checked against tessera/errors loaded both ways.
 */
const FAMILIES_SCRIPT = `
import { createRequire } from 'node:module';
const require = createRequire(process.cwd() + '/');
const errorsCjs = require('@tessera/protocol/errors');
const errorsEsm = await import('@tessera/protocol/errors');
const caught = async (f) => { try { await f(); } catch (e) { return e; } return undefined; };
const silent = { log() {} };

async function families(load) {
  const verify = await load('tessera/verify');
  const inbound = await load('tessera/inbound');
  const schema = await load('tessera/schema');
  const iparams = await load('tessera/iparams');
  const runtime = await load('tessera/runtime');
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
  };
}

const result = {};
for (const [system, load] of [['require', (n) => require(n)], ['import', (n) => import(n)]]) {
  for (const [family, e] of Object.entries(await families(load))) {
    result[system + ' ' + family] = e && [e.name, e.code, e instanceof errorsCjs[family], e instanceof errorsEsm[family],
      e instanceof errorsCjs.TesseraError, e instanceof errorsEsm.TesseraError, errorsCjs.isTesseraError(e), errorsEsm.isTesseraError(e)];
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

function node(args: string[], cwd: string) {
  const out = spawnSync(process.execPath, args, { cwd, encoding: 'utf8', env: { ...process.env, NODE_NO_WARNINGS: '1' } });
  expect(out.stderr).toBe('');
  return JSON.parse(out.stdout) as unknown;
}

describe('the packed package', () => {
  let packed: PackedInstall;
  let exportsMap: Record<string, string | Record<string, string>>;
  beforeAll(() => {
    packed = installPacked(root);
    exportsMap = (JSON.parse(readFileSync(join(packed.dir, 'package.json'), 'utf8')) as { exports: typeof exportsMap }).exports;
  });
  afterAll(() => packed?.remove());

  it('holds every file its exports name (types first), and nothing from the checkout besides dist, bin, schema and README', () => {
    const named = Object.values(exportsMap).flatMap((entry) => (typeof entry === 'string' ? [entry] : Object.values(entry)));
    expect(named.filter((f) => !existsSync(join(packed.dir, f)))).toEqual([]);
    for (const entry of Object.values(exportsMap)) if (typeof entry === 'object') expect(Object.keys(entry)[0]).toBe('types');
    expect(packed.files.filter((f) => !/^(dist|bin|schema)\//.test(f) && !['package.json', 'README.md'].includes(f))).toEqual([]);
    expect(Object.keys(exportsMap)).toContain('./keys');
  });

  it('loads every entry point under require and import, with the same named exports', () => {
    const names = Object.keys(exportsMap).filter((k) => k !== './package.json').map((k) => `tessera/${k.slice(2)}`);
    const loaded = node(['--input-type=module', '-e', ENTRY_POINTS_SCRIPT, JSON.stringify(names)], packed.app) as Record<string, { cjs: string[]; esm: string[] }>;
    expect(Object.keys(loaded).sort()).toEqual([...names].sort());
    for (const { cjs, esm } of Object.values(loaded)) {
      expect(cjs.length).toBeGreaterThan(0);
      expect(esm).toEqual(cjs);
    }
  });

  it('gives one error identity: each family raised by its entry point is of tessera/errors, under require and import', () => {
    const { same, result } = node(['--input-type=module', '-e', FAMILIES_SCRIPT], packed.app) as { same: boolean; result: Record<string, unknown[]> };
    expect(same).toBe(true);
    const expected = {
      VerifyError: 'ERR_VERIFY_MISSING',
      InboundError: 'ERR_CSRF_INVALID',
      ConfigError: 'ERR_CONFIG_INVALID',
      IparamValidationError: 'ERR_IPARAM_INVALID',
      StoreError: 'ERR_STORE_UNAVAILABLE',
      OutboundError: 'ERR_OUTBOUND_HOST_NOT_ALLOWED',
    };
    for (const system of ['require', 'import']) {
      for (const [family, code] of Object.entries(expected)) {
        expect([`${system} ${family}`, result[`${system} ${family}`]]).toEqual([`${system} ${family}`, [family, code, true, true, true, true, true, true]]);
      }
    }
  });

  it('verifies a request from CommonJS without loading the AWS SDK or axios for the verifier', () => {
    const result = node(['-e', VERIFY_SCRIPT], packed.app) as { installationId: string; loaded: string[] };
    expect(result.installationId).toBe('i');
    expect(result.loaded).toEqual([]);
  });
});
