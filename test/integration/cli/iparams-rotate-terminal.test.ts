/** `tessera iparams rotate` in a real pseudo-terminal: the new value at a masked prompt, and `--generate` printing
 *  the secret once to the terminal without being asked to. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { cli } from '../../helpers/cli.js';
import { startLocalSsm, type LocalSsm } from '../../helpers/ssm.js';
import { hasScript, inTerminal } from '../../helpers/terminal.js';

const root = resolve(__dirname, '../../..');
const SECRET = 'tty-Rot_Old_0123456789abcdefghijklmnopqrstuvwxyz';
const SECRET_2 = 'tty-Rot_New_ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210';
const ACTOR = { TESSERA_ACTOR: 'tty-test' };
let ssm: LocalSsm;

beforeAll(async () => {
  if (!hasScript) throw new Error("script is missing: install Debian's bsdutils (node scripts/ensure-system-packages.mjs does) to run this test");
  ssm = await startLocalSsm();
  process.env.AWS_ENDPOINT_URL_SSM = ssm.server.url;
  const file = join(mkdtempSync(join(tmpdir(), 'tessera-rotate-tty-')), 'values.json');
  writeFileSync(file, JSON.stringify({ server_url: 'https://acme.orders.example.com', shared_secret: SECRET, auth_mode: 'jwt' }));
  for (const id of ['tty1', 'tty2']) expect((await cli(['install', id, '--values', file], { cwd: root })).code).toBe(0);
});
afterAll(async () => {
  delete process.env.AWS_ENDPOINT_URL_SSM;
  await ssm?.stop();
});

describe('tessera iparams rotate in a terminal', () => {
  it('asks for the new value at a masked prompt and never echoes it', async () => {
    // Act
    const { code, screen } = await inTerminal(
      'iparams rotate tty1 shared_secret',
      [['New Shared secret (shared_secret) (hidden): ', SECRET_2]],
      ACTOR,
    );
    // Assess
    expect(screen).toContain('rotated shared_secret of tty1 (version 2)');
    expect(code).toBe(0);
    expect(screen).not.toContain(SECRET_2);
    expect(screen).not.toContain(SECRET_2.slice(0, 8));
    expect(screen).not.toContain(SECRET);
  }, 60_000);

  it('shows a generated secret once on the terminal, with no --print-secret needed', async () => {
    // Act
    const { code, screen } = await inTerminal('iparams rotate tty2 shared_secret --generate', [], ACTOR);
    // Assess
    expect(code).toBe(0);
    const shown = screen.match(/^[A-Za-z0-9_-]{43}\r?$/gm) ?? [];
    expect(shown).toHaveLength(1);
    expect(screen).toContain('new shared_secret follows, shown once');
    expect(screen).not.toContain(SECRET);
  }, 60_000);
});
