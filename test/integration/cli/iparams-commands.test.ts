import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { cli } from '../../helpers/cli.js';
import { startLocalSsm, type LocalSsm } from '../../helpers/ssm.js';

const root = resolve(__dirname, '../../..');
const SECRET = 'cli-Secret_0123456789abcdefghijklmnopqrstuvwxyz';
const SECRET_2 = 'cli-Rotated_ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210';
let ssm: LocalSsm;
let dir: string;

function valuesFile(values: Record<string, unknown>): string {
  const file = join(dir, `values-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(values));
  return file;
}

beforeEach(async () => {
  ssm = await startLocalSsm();
  process.env.AWS_ENDPOINT_URL_SSM = ssm.server.url;
  dir = mkdtempSync(join(tmpdir(), 'tessera-cli-'));
});
afterEach(async () => {
  delete process.env.AWS_ENDPOINT_URL_SSM;
  await ssm.stop();
});

const run = (args: string[], stdin?: string) => cli(args, { cwd: root, ...(stdin === undefined ? {} : { stdin }) });
const good = () => ({ server_url: 'https://acme.orders.example.com', shared_secret: SECRET, auth_mode: 'jwt' });

describe('tessera install / iparams show / iparams set / uninstall', () => {
  it('installs from a file and shows secure values only as "set"', async () => {
    // Act
    const installed = await run(['install', 'acme', '--values', valuesFile(good())]);
    const shown = await run(['iparams', 'show', 'acme']);
    // Assess
    expect(installed).toMatchObject({ code: 0, stdout: 'installed acme (version 1)\n' });
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/shared_secret\s+set\s+v1 \d{4}-\d\d-\d\dT/);
    expect(shown.stdout).toMatch(/server_url\s+"https:\/\/acme\.orders\.example\.com"/);
    expect(shown.stdout + shown.stderr + installed.stderr).not.toContain(SECRET);
  });

  it('rotates one value read from standard input, never from the arguments', async () => {
    // Prepare
    await run(['install', 'acme', '--values', valuesFile(good())]);
    // Act
    const set = await run(['iparams', 'set', 'acme', 'shared_secret'], `${SECRET_2}\n`);
    const shown = await run(['iparams', 'show', 'acme', '--json']);
    // Assess
    expect(set.code).toBe(0);
    const fields = JSON.parse(shown.stdout).fields as { name: string; version: number }[];
    expect(fields.find((f) => f.name === 'shared_secret')?.version).toBe(2);
    expect(fields.find((f) => f.name === 'server_url')?.version).toBe(1);
    expect(set.stdout + set.stderr + shown.stdout).not.toContain(SECRET_2);
  });

  it('refuses a value passed as an argument without echoing it', async () => {
    const res = await run(['iparams', 'set', 'acme', 'shared_secret', SECRET_2]);
    expect(res.code).toBe(2);
    expect(res.stdout + res.stderr).not.toContain(SECRET_2);
  });

  it('lists every bad field with its rule, writes nothing, and prints no value', async () => {
    // Prepare
    const bad = {
      server_url: 'https://evil.example.net',
      shared_secret: 'too-short-SECRET-value',
      auth_mode: 'basic',
      support_email: 'not-an-email',
    };
    // Act
    const res = await run(['install', 'acme', '--values', valuesFile(bad)]);
    const shown = await run(['iparams', 'show', 'acme']);
    // Assess
    expect(res.code).toBe(1);
    for (const field of ['shared_secret', 'auth_mode', 'support_email']) expect(res.stderr).toContain(`- ${field}: `);
    expect(res.stderr).not.toContain('too-short-SECRET-value');
    expect(shown).toMatchObject({ code: 1, stderr: expect.stringContaining('ERR_INSTALLATION_NOT_FOUND') });
  });

  it('refuses a server host the manifest does not allow, at install', async () => {
    const res = await run(['install', 'acme', '--values', valuesFile({ ...good(), server_url: 'https://evil.example.net' })]);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain("- server_url: host must match one of the manifest's allowedHosts");
  });

  it.each(['..', 'Acme', 'a/b'])('refuses the installation id %j', async (id) => {
    const res = await run(['install', id, '--values', valuesFile(good())]);
    expect(res).toMatchObject({ code: 1, stderr: expect.stringContaining('ERR_INSTALLATION_ID_INVALID') });
  });

  it('asks for --values when there is no terminal to prompt on', async () => {
    const res = await run(['install', 'acme']);
    expect(res).toMatchObject({ code: 2, stderr: expect.stringContaining('--values') });
  });

  it('uninstalls everything of the installation', async () => {
    await run(['install', 'acme', '--values', valuesFile(good())]);
    expect((await run(['uninstall', 'acme'])).stdout).toBe('uninstalled acme\n');
    expect((await run(['iparams', 'show', 'acme'])).code).toBe(1);
    expect((await run(['uninstall', 'acme'])).stdout).toBe('nothing stored for acme\n');
  });
});
