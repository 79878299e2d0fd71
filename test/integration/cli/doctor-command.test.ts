/** `tessera doctor` on copies of the example app: one line per finding with its fix, exit 1 on any error. */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { estimateSsmReadsPerSec } from '../../../packages/cli/src/ssm-load-model.js';
import { cli } from '../../helpers/cli.js';
import { startLocalSsm, type LocalSsm } from '../../helpers/ssm.js';

const root = resolve(__dirname, '../../..');
const GOOD_ENV = { TESSERA_CSRF_SECRET: 'c'.repeat(40), TESSERA_SESSION_JWKS_URL: 'https://platform.example.com/.well-known/jwks.json' };
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tessera-doctor-'));
  for (const f of ['manifest.json', 'iparams.json', 'serverless.yml', 'functions']) cpSync(join(root, f), join(dir, f), { recursive: true });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const lineOf = (out: string, check: string) => out.split('\n').find((l) => l.includes(` ${check}: `)) ?? '';
const edit = (file: string, change: (text: string) => string): void => writeFileSync(join(dir, file), change(readFileSync(join(dir, file), 'utf8')));

describe('tessera doctor', () => {
  it('passes the example app deployed with a CSRF key and an HTTPS session JWKS (the keys line a warning)', async () => {
    const run = await cli(['doctor'], { cwd: dir, env: { ...process.env, ...GOOD_ENV } });
    expect(run.code).toBe(0);
    for (const check of ['project', 'iam', 'offline', 'csrf', 'session', 'ssm-load']) expect(lineOf(run.stdout, check)).toMatch(/^ok {4}/);
    expect(run.stdout).toContain('ok    iam: role InstallRole writes only below /tessera/order-lookup/installations/\n');
    expect(lineOf(run.stdout, 'keys')).toMatch(/^warn .*\(not checked\) — fix: run `tessera doctor --check-store`/);
  });

  describe('--check-store reads the signing keys from the stage', () => {
    let ssm: LocalSsm;
    beforeEach(async () => {
      ssm = await startLocalSsm();
      // The SDK reads its endpoint from the process environment, not from the CLI's injected one.
      process.env.AWS_ENDPOINT_URL_SSM = ssm.server.url;
    });
    afterEach(async () => {
      delete process.env.AWS_ENDPOINT_URL_SSM;
      await ssm.stop();
    });
    const doctor = () => cli(['doctor', '--check-store'], { cwd: dir, env: { ...process.env, ...GOOD_ENV } });

    it('is an error with no key, ok once the key of the manifest signs, an error when the algorithm differs', async () => {
      const none = await doctor();
      expect(none.code).toBe(1);
      expect(lineOf(none.stdout, 'keys')).toMatch(
        /^error keys: .*ES256 but the stage has no signing key — fix: run `tessera keys generate --alg ES256`/,
      );

      expect((await cli(['keys', 'generate', '--alg', 'ES256'], { cwd: dir, env: process.env })).code).toBe(0);
      const one = await doctor();
      expect(one.code).toBe(0);
      expect(lineOf(one.stdout, 'keys')).toMatch(/^ok {4}keys: the stage signs with ES256 key \S+$/);

      edit('manifest.json', (t) => t.replace('"alg": "ES256"', '"alg": "EdDSA"'));
      const other = await doctor();
      expect(other.code).toBe(1);
      expect(lineOf(other.stdout, 'keys')).toMatch(/^error keys: .*EdDSA but the stage's signing key \S+ is ES256 — fix: /);
      // One line per finding, nothing else (the key document it read holds a private key).
      for (const l of other.stdout.trim().split('\n')) expect(l).toMatch(/^(ok {4}|warn |error )[a-z-]+: /);
    });
  });

  it.each<[string, Record<string, string>, () => void, string, string]>([
    ['no CSRF key for the csrf: true function', { TESSERA_CSRF_SECRET: '' }, () => undefined, 'csrf', 'TESSERA_CSRF_SECRET'],
    ['a plain-HTTP session JWKS', { TESSERA_SESSION_JWKS_URL: '' }, () => undefined, 'session', 'not HTTPS'],
    ['offline mode on for the stage', { TESSERA_OFFLINE: 'true' }, () => undefined, 'offline', 'TESSERA_OFFLINE is true'],
    [
      'SSM reads on every parameter of the account',
      {},
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the serverless variable as serverless.yml spells it
      (): void => edit('serverless.yml', (t) => t.replace('parameter/tessera/${self:custom.appId}/*', 'parameter/*')),
      'iam',
      'beyond the app',
    ],
    [
      "the install function's role writing the app's keys too",
      {},
      (): void =>
        edit('serverless.yml', (t) =>
          t.replace(/parameter\/tessera\/\$\{self:custom\.appId\}\/installations\/\*/, 'parameter/tessera/$${self:custom.appId}/*'),
        ),
      'iam',
      'role InstallRole reaches SSM beyond',
    ],
    [
      "the install function's role deleting",
      {},
      (): void =>
        edit('serverless.yml', (t) =>
          t.replace(
            'Action: [ssm:GetParameter, ssm:GetParameters, ssm:PutParameter]',
            'Action: [ssm:GetParameter, ssm:PutParameter, ssm:DeleteParameter]',
          ),
        ),
      'iam',
      'role InstallRole reaches SSM beyond',
    ],
    [
      "the install function's role reading by path",
      {},
      (): void =>
        edit('serverless.yml', (t) =>
          t.replace('Action: [ssm:GetParameter, ssm:GetParameters, ssm:PutParameter]', 'Action: [ssm:GetParametersByPath, ssm:PutParameter]'),
        ),
      'iam',
      'role InstallRole reaches SSM beyond',
    ],
    [
      "the install function's role on every resource",
      {},
      (): void =>
        edit('serverless.yml', (t) =>
          t.replace(
            /Action: \[ssm:GetParameter, ssm:GetParameters, ssm:PutParameter\]\n(\s+)Resource:\n\s+Fn::Sub: [^\n]+installations\/\*/,
            "Action: [ssm:GetParameter, ssm:GetParameters, ssm:PutParameter]\n$1Resource: '*'",
          ),
        ),
      'iam',
      'role InstallRole reaches SSM beyond',
    ],
    [
      'SSM reads on the app beside every parameter of the account',
      {},
      (): void =>
        edit('serverless.yml', (t) =>
          t.replace(
            // biome-ignore lint/suspicious/noTemplateCurlyInString: the serverless variable as serverless.yml spells it
            /(Action: \[ssm:GetParameter, ssm:GetParameters\]\n\s+Resource:\n)(\s+)(Fn::Sub: [^\n]+parameter\/tessera\/\$\{self:custom\.appId\}\/\*)/,
            '$1$2- $3\n$2- arn:aws:ssm:us-east-1:123456789012:parameter/*',
          ),
        ),
      'iam',
      'beyond the app',
    ],
    ['an invalid manifest', {}, (): void => edit('manifest.json', (t) => t.replace('"order-lookup"', '"Not An Id"')), 'project', 'manifest.json'],
  ])('reports %s as an error with its fix, and exits 1', async (_name, env, change, check, text) => {
    // Prepare
    change();
    // Act
    const run = await cli(['doctor'], { cwd: dir, env: { ...process.env, ...GOOD_ENV, ...env } });
    // Assess
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(new RegExp(`^error ${check}: .*${text}.* — fix: `, 'm'));
  });

  it('estimates SSM reads per second against the standard 40/s', async () => {
    expect(estimateSsmReadsPerSec(1200, 1, 60_000)).toBe(20);
    const half = await cli(['doctor', '--installations', '1500'], { cwd: dir, env: { ...process.env, ...GOOD_ENV } });
    const over = await cli(['doctor', '--installations', '3000'], { cwd: dir, env: { ...process.env, ...GOOD_ENV } });
    expect(lineOf(half.stdout, 'ssm-load')).toMatch(/^warn .*≈ 25\.0 SSM reads\/s, 63% of the standard 40\/s/);
    expect(half.code).toBe(0);
    expect(lineOf(over.stdout, 'ssm-load')).toMatch(
      /^error .*≈ 50\.0 SSM reads\/s, 125% .* fix: set TESSERA_IPARAMS_BATCH_SIZE=10 .*raise TESSERA_IPARAMS_TTL_MS/,
    );
    expect(over.code).toBe(1);
  });

  it('counts batched reads with TESSERA_IPARAMS_BATCH_SIZE: 3,000 busy installations fit the standard 40/s', async () => {
    const batched = await cli(['doctor', '--installations', '3000'], {
      cwd: dir,
      env: { ...process.env, ...GOOD_ENV, TESSERA_IPARAMS_BATCH_SIZE: '10' },
    });
    expect(lineOf(batched.stdout, 'ssm-load')).toMatch(/^ok {4}.*read 10 at a time ≈ 5\.9 SSM reads\/s, 15% of the standard 40\/s/);
    expect(batched.code).toBe(0);
  });

  it.each([
    ['TESSERA_IPARAMS_BATCH_SIZE', '12', 'from 1 to 10'],
    ['TESSERA_IPARAMS_TTL_MS', '60s', 'whole number of milliseconds'],
  ])('reports %s=%s, which the functions would refuse at cold start, as an error naming the rule', async (name, value, rule) => {
    const run = await cli(['doctor'], { cwd: dir, env: { ...process.env, ...GOOD_ENV, [name]: value } });
    expect(run.code).toBe(1);
    expect(lineOf(run.stdout, 'environment')).toMatch(new RegExp(`^error environment: environment variable ${name} .*${rule}`));
  });

  it('refuses a bad count with exit 2', async () => {
    const run = await cli(['doctor', '--installations', 'many'], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--installations must be a positive integer');
  });
});
