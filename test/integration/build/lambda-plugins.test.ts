/**
 * The function bundle's plugins against the real SDK: the trimmed credential chain answers from the environment
 * without the rest of the chain in the bundle, and falls back to the SDK's full chain, loaded from node_modules,
 * when the environment has no credentials or names a profile, as the SDK's own chain does.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build, type BuildOptions } from 'esbuild';
import { lambdaPlugins, trimAxiosPlugin } from '@tessera/cli/build';

const root = resolve(__dirname, '../../..');
const ENTRY = `import { SSMClient } from '@aws-sdk/client-ssm';
new SSMClient({ region: 'us-east-1' }).config.credentials().then(
  (c) => console.log(JSON.stringify({ accessKeyId: c.accessKeyId })),
  (e) => { console.log(JSON.stringify({ error: e.name })); },
);
`;

let dir: string;
let trimmed: string;
let plain: string;

beforeAll(async () => {
  // Inside the project, so the unbundled part of the chain resolves from node_modules as it does for an app.
  mkdirSync(join(root, '.tessera'), { recursive: true });
  dir = mkdtempSync(join(root, '.tessera', 'plugins-'));
  writeFileSync(join(dir, 'entry.ts'), ENTRY);
  const options: BuildOptions = {
    entryPoints: [join(dir, 'entry.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    mainFields: ['module', 'main'],
    logLevel: 'silent',
  };
  trimmed = join(dir, 'trimmed.cjs');
  plain = join(dir, 'plain.cjs');
  await build({ ...options, outfile: trimmed, plugins: lambdaPlugins() });
  await build({ ...options, outfile: plain, plugins: [trimAxiosPlugin()] });
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function credentialsFrom(bundle: string, env: Record<string, string>): { accessKeyId?: string; error?: string } {
  const home = mkdtempSync(join(tmpdir(), 'tessera-creds-'));
  const credentialsFile = join(home, 'credentials');
  writeFileSync(
    credentialsFile,
    '[default]\naws_access_key_id = AKIDFROMINIDEFAULT\naws_secret_access_key = s\n[other]\naws_access_key_id = AKIDFROMINIOTHER\naws_secret_access_key = s\n',
  );
  const base = {
    PATH: process.env.PATH ?? '',
    HOME: home,
    AWS_SHARED_CREDENTIALS_FILE: credentialsFile,
    AWS_CONFIG_FILE: join(home, 'config'),
    AWS_EC2_METADATA_DISABLED: 'true',
  };
  const run = spawnSync(process.execPath, [bundle], { env: { ...base, ...env }, encoding: 'utf8' });
  rmSync(home, { recursive: true, force: true });
  return JSON.parse(run.stdout.trim().split('\n').pop() ?? '{}');
}

describe('trimCredentialChainPlugin', () => {
  it('leaves the rest of the chain out of the bundle', () => {
    const text = readFileSync(trimmed, 'utf8');
    expect(text).not.toContain('Skipping SSO provider');
    expect(readFileSync(plain, 'utf8')).toContain('Skipping SSO provider');
    expect(statSync(trimmed).size).toBeLessThan(statSync(plain).size - 100 * 1024);
  });

  it.each([
    ['the environment', { AWS_ACCESS_KEY_ID: 'AKIDFROMENV', AWS_SECRET_ACCESS_KEY: 's' }, 'AKIDFROMENV'],
    ['the shared credentials file when the environment has none', {}, 'AKIDFROMINIDEFAULT'],
    [
      'the profile the environment names, over its keys',
      { AWS_PROFILE: 'other', AWS_ACCESS_KEY_ID: 'AKIDFROMENV', AWS_SECRET_ACCESS_KEY: 's' },
      'AKIDFROMINIOTHER',
    ],
  ])('takes credentials from %s, as the full chain does', (_name, env, expected) => {
    expect(credentialsFrom(trimmed, env)).toEqual({ accessKeyId: expected });
    expect(credentialsFrom(plain, env)).toEqual({ accessKeyId: expected });
  });
});
