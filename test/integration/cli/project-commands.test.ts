import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { cli } from '../../helpers/cli.js';
import { CliError } from '../../../packages/protocol/src/errors.js';
import { TYPES_FILE } from '../../../packages/cli/src/_project-commands.js';
import type { Manifest } from '../../../packages/schema/src/index.js';
import { exitCodeOf } from '../../../packages/cli/src/run.js';

const root = resolve(__dirname, '../../..');

function copyProject(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-project-'));
  for (const f of ['manifest.json', 'iparams.json', 'serverless.yml', 'functions']) cpSync(join(root, f), join(dir, f), { recursive: true });
  return dir;
}

describe('tessera validate', () => {
  it("accepts this repository's example app", async () => {
    expect(await cli(['validate'], { cwd: root })).toMatchObject({ code: 0 });
  });

  it.each([
    [
      'an unknown auth mode',
      (m: Manifest) => (m.customer.auth.mode = 'telepathy' as never),
      /manifest\.json \/customer\/auth\/mode: must be shared-secret, jwt/,
    ],
    ['a function with no handler in serverless.yml', (m: Manifest) => (m.functions.refund = { methods: ['POST'] }), /serverless\.yml .*refund/],
  ])('names the file, the JSON path and the rule for %s, and exits 1', async (_name, change, message) => {
    // Prepare
    const dir = copyProject();
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    change(manifest);
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
    // Act
    const res = await cli(['validate'], { cwd: dir });
    // Assess
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(message);
  });
});

describe('tessera types', () => {
  it('keeps the committed iparams types in step with iparams.json', async () => {
    expect(await cli(['types', '--check'], { cwd: root })).toMatchObject({ code: 0 });
  });

  it('reports stale types', async () => {
    const dir = copyProject();
    const iparams = JSON.parse(readFileSync(join(dir, 'iparams.json'), 'utf8'));
    iparams.region = { display_name: 'Region', type: 'dropdown', options: ['eu', 'us'] };
    writeFileSync(join(dir, 'iparams.json'), JSON.stringify(iparams));
    const res = await cli(['types', '--check'], { cwd: dir });
    expect(res.code).toBe(1);
    await cli(['types'], { cwd: dir });
    expect(readFileSync(join(dir, TYPES_FILE), 'utf8')).toContain("region?: 'eu' | 'us';");
  });
});

describe('tessera secret', () => {
  it('prints 32 random bytes, base64url, different each time', async () => {
    const a = (await cli(['secret'])).stdout.trim();
    const b = (await cli(['secret'])).stdout.trim();
    expect(Buffer.from(a, 'base64url')).toHaveLength(32);
    expect(a).not.toBe(b);
  });
});

describe('usage', () => {
  it('maps ERR_CLI_USAGE to exit code 2, which is not its status', () => {
    expect(exitCodeOf(new CliError('ERR_CLI_USAGE'))).toBe(2);
    expect(new CliError('ERR_CLI_USAGE').status).not.toBe(2);
  });

  it('exits 2 on an unknown command or option', async () => {
    expect((await cli(['frobnicate'])).code).toBe(2);
    expect((await cli(['validate', '--colour'])).code).toBe(2);
  });
});
