/** `tessera install` with no values file, in a real pseudo-terminal: prompts per field, the secret never echoed. */
import { startLocalSsm, type LocalSsm } from '../../helpers/ssm.js';
import { hasScript, inTerminal } from '../../helpers/terminal.js';

const SECRET = 'tty-Secret_0123456789abcdefghijklmnopqrstuvwxyz';
let ssm: LocalSsm;

beforeAll(async () => {
  if (!hasScript) throw new Error("script is missing: install Debian's bsdutils (node scripts/ensure-system-packages.mjs does) to run this test");
  ssm = await startLocalSsm();
});
afterAll(() => ssm?.stop());

describe('tessera install in a terminal', () => {
  it('prompts for each field, masks the secure one, and installs', async () => {
    // Act
    const { code, screen } = await inTerminal(
      'install tty1',
      [
        ['Order server URL: ', 'https://tty.orders.example.com'],
        ['Shared secret (hidden): ', SECRET],
        ['How requests prove themselves [jwt/shared-secret] (default jwt): ', ''],
        ['Support contact (optional): ', 'ops@example.com'],
        ['Order number prefix (optional) (default ORD-): ', ''],
        ['Password for server-to-server calls (optional) (hidden): ', ''],
      ],
      { AWS_ENDPOINT_URL_SSM: ssm.server.url },
    );
    // Assess
    expect(screen).toContain('installed tty1 (version 1)');
    expect(code).toBe(0);
    expect(screen).toContain('https://tty.orders.example.com'); // ordinary answers echo as typed
    expect(screen).not.toContain(SECRET);
    expect(screen).not.toContain(SECRET.slice(0, 8));
  }, 60_000);
});
