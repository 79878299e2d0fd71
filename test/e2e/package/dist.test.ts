/** The built package as a customer's server loads it: `tessera/verify` in CommonJS and ESM, with no SDK or axios. */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

jest.setTimeout(120_000);
const root = resolve(__dirname, '../../..');

const SCRIPT = `
const { createVerifier } = require('tessera/verify');
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

describe('the built package', () => {
  let app: string;
  beforeAll(() => {
    // A customer's project with tessera installed; dist/ of the checkout is left alone.
    app = mkdtempSync(join(tmpdir(), 'tessera-customer-'));
    const pkg = join(app, 'node_modules', 'tessera');
    mkdirSync(pkg, { recursive: true });
    copyFileSync(join(root, 'package.json'), join(pkg, 'package.json'));
    execFileSync(process.execPath, ['scripts/build.mjs', '--no-types', '--outdir', join(pkg, 'dist')], { cwd: root });
  });
  afterAll(() => rmSync(app, { recursive: true, force: true }));

  it('verifies a request from CommonJS without loading the AWS SDK or axios for the verifier', () => {
    const out = spawnSync(process.execPath, ['-e', SCRIPT], { cwd: app, encoding: 'utf8' });
    expect(out.stderr).toBe('');
    const result = JSON.parse(out.stdout) as { installationId: string; loaded: string[] };
    expect(result.installationId).toBe('i');
    expect(result.loaded).toEqual([]);
  });

  it('builds a CommonJS and an ESM file for every subpath package.json exports (tessera/keys among them)', () => {
    const pkg = join(app, 'node_modules', 'tessera');
    const exportsMap = (JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8')) as { exports: Record<string, unknown> }).exports;
    const files = Object.values(exportsMap).flatMap((entry) =>
      typeof entry === 'object' && entry !== null ? [(entry as Record<string, string>).import, (entry as Record<string, string>).require] : [],
    );
    expect(Object.keys(exportsMap)).toContain('./keys');
    expect(files.filter((f) => f === undefined || !existsSync(join(pkg, f)))).toEqual([]);
  });

  it('gives one error identity across entry points and module systems: one set of classes, shared at run time', () => {
    // A VerifyError from tessera/verify and an InboundError from tessera/inbound, each checked against tessera/errors
    // loaded by require() and by import.
    const script = `
      import { createRequire } from 'node:module';
      const require = createRequire(process.cwd() + '/');
      const cjsErrors = require('tessera/errors');
      const esmErrors = await import('tessera/errors');
      const fromVerify = await require('tessera/verify').createVerifier({ mode: 'shared-secret', secrets: ['s'.repeat(32)],
        publicOrigin: 'https://c.example.com', logger: { log() {} } }).verify({ method: 'GET', url: '/', headers: {}, body: new Uint8Array() }).catch((e) => e);
      const { createCsrfGuard } = await import('tessera/inbound');
      const fromInbound = (() => { try { createCsrfGuard({ secret: 'x'.repeat(43), logger: { log() {} } }).verify({ headers: {} }, 'binding'); } catch (e) { return e; } })();
      const check = (e) => [e instanceof cjsErrors.TesseraError, e instanceof esmErrors.TesseraError, cjsErrors.isTesseraError(e), esmErrors.isTesseraError(e)];
      console.log(JSON.stringify({ same: cjsErrors.TesseraError === esmErrors.TesseraError, verify: [fromVerify.name, ...check(fromVerify)],
        verifyFamily: fromVerify instanceof esmErrors.VerifyError, inbound: fromInbound && [fromInbound.name, ...check(fromInbound)] }));`;
    // tessera/inbound needs jose, which a customer's app would have installed with the package.
    if (!existsSync(join(app, 'node_modules', 'jose'))) symlinkSync(join(root, 'node_modules', 'jose'), join(app, 'node_modules', 'jose'));
    const out = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: app, encoding: 'utf8' });
    expect(out.stderr).toBe('');
    const result = JSON.parse(out.stdout) as { same: boolean; verify: unknown[]; verifyFamily: boolean; inbound: unknown[] | null };
    expect(result.same).toBe(true);
    expect(result.verify).toEqual(['VerifyError', true, true, true, true]);
    expect(result.verifyFamily).toBe(true);
    expect(result.inbound).toEqual(['InboundError', true, true, true, true]);
  });

  it('loads tessera/verify as ESM', () => {
    const out = spawnSync(process.execPath, ['--input-type=module', '-e', "import { createVerifier } from 'tessera/verify'; console.log(typeof createVerifier);"], { cwd: app, encoding: 'utf8' });
    expect(out.stdout.trim()).toBe('function');
  });
});
