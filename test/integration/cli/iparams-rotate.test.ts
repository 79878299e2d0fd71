/** `tessera iparams rotate` in-process against ssm-local: value from stdin or generated, never an argument; refusals
 *  name the field or option and the rule; `show` names the window, never a value; the audit names the actor. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { cli } from '../../helpers/cli.js';
import { startLocalSsm, type LocalSsm } from '../../helpers/ssm.js';

const root = resolve(__dirname, '../../..');
const SECRET = 'cli-Rot_Old_0123456789abcdefghijklmnopqrstuvwxyz';
const SECRET_2 = 'cli-Rot_New_ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210';
let ssm: LocalSsm;
let env: NodeJS.ProcessEnv;

beforeEach(async () => {
  ssm = await startLocalSsm();
  // The SDK reads its endpoint from the process environment, not from the CLI's injected one.
  process.env.AWS_ENDPOINT_URL_SSM = ssm.server.url;
  env = { ...process.env, TESSERA_ACTOR: 'ops-bot' };
  const file = join(mkdtempSync(join(tmpdir(), 'tessera-rotate-')), 'values.json');
  writeFileSync(file, JSON.stringify({ server_url: 'https://acme.orders.example.com', shared_secret: SECRET, auth_mode: 'jwt' }));
  const installed = await cli(['install', 'acme', '--values', file], { cwd: root, env });
  expect(installed.code).toBe(0);
});
afterEach(async () => {
  delete process.env.AWS_ENDPOINT_URL_SSM;
  await ssm.stop();
});

const run = (args: string[], stdin?: string, extraEnv: NodeJS.ProcessEnv = {}) =>
  cli(args, { cwd: root, env: { ...env, ...extraEnv }, ...(stdin === undefined ? {} : { stdin }) });

/** The audit events the CLI wrote to standard error. */
const auditOf = (stderr: string) =>
  stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((e) => e.audit === true);

describe('tessera iparams rotate', () => {
  it('rotates a secret read from standard input, and show names the window but no value', async () => {
    // Act
    const rotated = await run(['iparams', 'rotate', 'acme', 'shared_secret', '--grace-sec', '7200'], `${SECRET_2}\n`);
    const shown = await run(['iparams', 'show', 'acme']);
    const json = await run(['iparams', 'show', 'acme', '--json']);
    // Assess
    expect(rotated.code).toBe(0);
    expect(rotated.stdout).toMatch(/^rotated shared_secret of acme \(version 2\); the previous value stays valid until \d{4}-\d\d-\d\dT[\d:.]+Z\n$/);
    expect(shown.stdout).toMatch(/shared_secret\s+set\s+v2 [^\n]+\n\s+previous: set \(until \d{4}-\d\d-\d\dT[\d:.]+Z\)\n/);
    const field = (JSON.parse(json.stdout) as { fields: { name: string; previousUntil?: string }[] }).fields.find((f) => f.name === 'shared_secret');
    const untilMs = Date.parse(String(field?.previousUntil));
    expect(untilMs - Date.now()).toBeGreaterThan(7_100_000);
    expect(untilMs - Date.now()).toBeLessThanOrEqual(7_200_000);
    for (const out of [rotated, shown, json]) {
      expect(out.stdout + out.stderr).not.toContain(SECRET);
      expect(out.stdout + out.stderr).not.toContain(SECRET_2);
    }
  });

  it('generates a 32-byte secret and prints it once, on standard output only, when asked to print to a pipe', async () => {
    // Act
    const res = await run(['iparams', 'rotate', 'acme', 'shared_secret', '--generate', '--print-secret']);
    // Assess
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^[A-Za-z0-9_-]{43}\n$/);
    const generated = res.stdout.trim();
    expect(Buffer.from(generated, 'base64url')).toHaveLength(32);
    expect(res.stderr).toContain('rotated shared_secret of acme (version 2)');
    expect(res.stderr).not.toContain(generated);
    expect(res.stderr).not.toContain(SECRET);
  });

  it('refuses --generate onto a standard output that is not a terminal without --print-secret, and writes nothing', async () => {
    const res = await run(['iparams', 'rotate', 'acme', 'shared_secret', '--generate']);
    const shown = await run(['iparams', 'show', 'acme', '--json']);
    expect(res).toMatchObject({ code: 2, stdout: '' });
    expect(res.stderr).toContain('--generate prints the new secret on standard output, which is not a terminal: add --print-secret');
    expect(shown.stdout).not.toContain('previousUntil');
  });

  it.each([
    ['--grace-sec 60', ['--grace-sec', '60'], '--grace-sec must be a whole number of seconds from 3600 (1 h) to 2592000 (30 days)'],
    ['--grace-sec 1e5', ['--grace-sec', '1e5'], '--grace-sec must be a whole number of seconds from 3600'],
    ['--grace-sec 2592001', ['--grace-sec', '2592001'], '--grace-sec must be a whole number of seconds from 3600'],
    ['--print-secret alone', ['--print-secret'], '--print-secret only goes with --generate'],
    ['the value as an argument', [SECRET_2], 'Usage: tessera iparams rotate <installationId> <name>'],
  ])('refuses %s as usage (exit 2) and writes nothing', async (_what, extra, message) => {
    const res = await run(['iparams', 'rotate', 'acme', 'shared_secret', ...extra], `${SECRET_2}\n`);
    const shown = await run(['iparams', 'show', 'acme', '--json']);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain(message);
    expect(res.stdout + res.stderr).not.toContain(SECRET_2);
    expect(shown.stdout).not.toContain('previousUntil');
  });

  it.each([
    ['order_prefix', 'is not a secure field: only secure fields are rotated with a grace window (use `iparams set`)'],
    ['colour', 'is not a known parameter'],
    ['basic_password', 'has no value yet, so there is nothing to keep during a rotation (use `iparams set`)'],
  ])('refuses to rotate %s, naming the field and the rule (exit 1)', async (name, rule) => {
    const res = await run(['iparams', 'rotate', 'acme', name], 'INV-\n');
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('error ERR_IPARAM_INVALID: installation parameters are invalid');
    expect(res.stderr).toContain(`  - ${name}: ${rule}`);
  });

  it('prints no generated secret when the rotation fails', async () => {
    const res = await run(['iparams', 'rotate', 'nobody', 'shared_secret', '--generate', '--print-secret']);
    expect(res).toMatchObject({ code: 1, stdout: '' });
    expect(res.stderr).toContain('ERR_INSTALLATION_NOT_FOUND');
  });

  it('audits as --actor, else TESSERA_ACTOR; one event per command, no value', async () => {
    // Act
    const byFlag = await run(['iparams', 'rotate', 'acme', 'shared_secret', '--actor', 'alice@example.com'], `${SECRET_2}\n`);
    const byEnv = await run(['iparams', 'set', 'acme', 'order_prefix'], 'INV-\n');
    const refused = await run(['iparams', 'rotate', 'acme', 'order_prefix'], 'INV-\n');
    const gone = await run(['uninstall', 'acme', '--actor', 'bob']);
    // Assess
    expect(auditOf(byFlag.stderr)).toEqual([
      expect.objectContaining({ event: 'iparams.rotated', actor: 'alice@example.com', result: 'ok', parameter: 'shared_secret' }),
    ]);
    expect(auditOf(byEnv.stderr)).toEqual([
      expect.objectContaining({ event: 'iparams.updated', actor: 'ops-bot', result: 'ok', parameter: 'order_prefix' }),
    ]);
    expect(auditOf(refused.stderr)).toEqual([expect.objectContaining({ event: 'iparams.rotated', result: 'failed', code: 'ERR_IPARAM_INVALID' })]);
    expect(auditOf(gone.stderr)).toEqual([expect.objectContaining({ event: 'iparams.uninstalled', actor: 'bob', removed: true })]);
    expect(byFlag.stderr).not.toContain(SECRET_2);
    expect(byFlag.stderr).not.toContain(SECRET);
  });

  it('falls back to the OS user name when neither --actor nor TESSERA_ACTOR is given', async () => {
    const res = await run(['iparams', 'set', 'acme', 'order_prefix'], 'INV-\n', { TESSERA_ACTOR: '' });
    const [event] = auditOf(res.stderr);
    expect(event?.actor).toBe(userInfo().username);
  });
});
