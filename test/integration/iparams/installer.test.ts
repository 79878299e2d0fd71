import { GetParameterCommand, PutParameterCommand } from '@aws-sdk/client-ssm';
import { createInstaller, createIparamsReader, SsmIparamStore, installationDocumentName } from '../../../packages/runtime/src/iparams/index.js';
import { IparamValidationError, type TesseraError } from '../../../packages/protocol/src/errors.js';
import { captureLogger } from '../../helpers/http-recorder.js';
import { startLocalSsm, type LocalSsm } from '../../helpers/ssm.js';
import { APP_ID, GOOD, manifest, schema, SECRET_V1, SECRET_V2 } from './fixture.js';

let ssm: LocalSsm;
beforeEach(async () => {
  ssm = await startLocalSsm();
});
afterEach(() => ssm.stop());

function setup(tier?: 'Advanced') {
  const counted = ssm.client();
  const store = new SsmIparamStore({ client: counted.client, ...(tier ? { tier } : {}) });
  const log = captureLogger();
  const installer = createInstaller({ manifest, schema, store, logger: log.logger, actor: 'tester' });
  const reader = createIparamsReader({ appId: APP_ID, store, logger: log.logger });
  return { ...counted, store, installer, reader, lines: log.lines };
}

describe('installer against ssm-local through @aws-sdk/client-ssm', () => {
  it('installs one SecureString document that the runtime reads back, defaults applied', async () => {
    // Prepare
    const { installer, reader, client } = setup();
    // Act
    await installer.install('acme', GOOD);
    const values = await reader.read('acme');
    const raw = await client.send(new GetParameterCommand({ Name: installationDocumentName(APP_ID, 'acme') }));
    // Assess
    expect(values).toEqual({ ...GOOD, region: 'eu' });
    expect(raw.Parameter?.Type).toBe('SecureString');
    expect(raw.Parameter?.Value).not.toContain(SECRET_V1);
  });

  it('makes one read and one write per install and per change', async () => {
    const { installer, trips } = setup();
    await installer.install('acme', GOOD);
    await installer.set('acme', 'notes', 'changed');
    expect(trips).toEqual({ GetParameter: 2, PutParameter: 2 });
  });

  it('shows secure values only as set, with version and date', async () => {
    const { installer } = setup();
    await installer.install('acme', GOOD);
    const shown = await installer.describe('acme');
    const secret = shown.fields.find((f) => f.name === 'shared_secret');
    expect(secret).toEqual({ name: 'shared_secret', secure: true, set: true, version: 1, updatedAt: expect.any(String) });
    expect(shown.fields.find((f) => f.name === 'server_url')?.value).toBe(GOOD.server_url);
    expect(JSON.stringify(shown)).not.toContain(SECRET_V1);
  });

  it('rotates one value, keeps the others and their versions', async () => {
    // Prepare
    const { installer, reader } = setup();
    await installer.install('acme', GOOD);
    await reader.read('acme');
    // Act
    await installer.set('acme', 'shared_secret', SECRET_V2);
    reader.invalidate('acme');
    const after = await reader.read('acme');
    const shown = await installer.describe('acme');
    // Assess
    expect(after).toEqual({ ...GOOD, region: 'eu', shared_secret: SECRET_V2 });
    expect(shown.fields.find((f) => f.name === 'shared_secret')?.version).toBe(2);
    expect(shown.fields.find((f) => f.name === 'server_url')?.version).toBe(1);
  });

  it('uninstalls everything below the installation, and nothing of its neighbours', async () => {
    // Prepare
    const { installer, reader, client } = setup();
    await installer.install('acme', GOOD);
    await installer.install('acme2', GOOD);
    for (let i = 0; i < 23; i++) {
      await client.send(new PutParameterCommand({ Name: `/tessera/${APP_ID}/installations/acme/extra/p${i}`, Value: 'x', Type: 'String' }));
    }
    const { installer: counting, trips } = setup();
    // Act
    const removed = await counting.uninstall('acme');
    // Assess
    expect(removed).toBe(true);
    expect(trips.GetParametersByPath).toBe(3); // 24 parameters, pages of 10
    expect(trips.DeleteParameters).toBe(3);
    await expect(reader.read('acme')).rejects.toMatchObject({ code: 'ERR_INSTALLATION_NOT_FOUND', status: 404 });
    await expect(installer.exists('acme2')).resolves.toBe(true);
    await expect(installer.uninstall('acme')).resolves.toBe(false);
  });

  it('refuses to install over an existing installation unless asked to replace it', async () => {
    const { installer } = setup();
    await installer.install('acme', GOOD);
    await expect(installer.install('acme', GOOD)).rejects.toMatchObject({ code: 'ERR_IPARAM_INVALID' });
    await expect(installer.install('acme', { ...GOOD, notes: 'new' }, { replace: true })).resolves.toBeDefined();
  });

  describe('refusals write nothing', () => {
    it.each([
      ['a missing required secret', { ...GOOD, shared_secret: undefined }, 'shared_secret'],
      ['a short secret', { ...GOOD, shared_secret: 'short-but-secret-XYZ' }, 'shared_secret'],
      ['a host the manifest does not allow', { ...GOOD, server_url: 'https://evil.example.net' }, 'server_url'],
      ['a nested wildcard host', { ...GOOD, server_url: 'https://a.b.orders.example.com' }, 'server_url'],
      ['an unknown field', { ...GOOD, extra: 'x' }, 'extra'],
      ['a value not among the options', { ...GOOD, region: 'mars' }, 'region'],
    ])('%s', async (_name, values, field) => {
      // Prepare
      const { installer, trips, lines } = setup();
      // Act
      const err = (await installer.install('acme', values).catch((e: unknown) => e)) as IparamValidationError;
      // Assess
      expect(err).toBeInstanceOf(IparamValidationError);
      expect(err.status).toBe(400);
      expect(err.issues.map((i) => i.field)).toContain(field);
      expect(trips.PutParameter ?? 0).toBe(0);
      const shown = [err.message, JSON.stringify(err.issues), ...lines].join('\n');
      expect(shown).not.toContain('short-but-secret-XYZ');
      expect(shown).not.toContain(SECRET_V1);
    });

    it.each(['..', 'ACME', 'a/b', 'x'.repeat(65)])('an installation id %j, before any SSM call', async (id) => {
      const { installer, total } = setup();
      await expect(installer.install(id, GOOD)).rejects.toMatchObject({ code: 'ERR_INSTALLATION_ID_INVALID' });
      expect(total()).toBe(0);
    });

    it('a parameter name outside [A-Za-z0-9_], before any SSM call', async () => {
      const { installer, total } = setup();
      await expect(installer.set('acme', 'a/b', 'x')).rejects.toMatchObject({ code: 'ERR_PARAMETER_NAME_INVALID' });
      expect(total()).toBe(0);
    });

    it("values over the Standard tier's 4 KiB, naming the largest field", async () => {
      // Prepare
      const { installer, trips } = setup();
      // Act
      const err = (await installer.install('acme', { ...GOOD, notes: 'n'.repeat(5000) }).catch((e: unknown) => e)) as IparamValidationError;
      // Assess
      expect(err.code).toBe('ERR_IPARAM_INVALID');
      expect(err.issues[0]?.field).toBe('notes');
      expect(err.issues[0]?.rule).toMatch(/4096-byte Standard tier limit/);
      expect(trips.PutParameter ?? 0).toBe(0);
    });
  });

  it('stores up to 8 KiB when the Advanced tier is chosen explicitly', async () => {
    const { installer, reader } = setup('Advanced');
    await installer.install('acme', { ...GOOD, notes: 'n'.repeat(5000) });
    expect(((await reader.read('acme')) as { notes: string }).notes).toHaveLength(5000);
  });

  it('maps an SSM failure to ERR_STORE_UNAVAILABLE without its payload', async () => {
    const { installer } = setup();
    ssm.server.injectFault('PutParameter', 'InternalServerError', 1);
    const err = (await installer.install('acme', GOOD).catch((e: unknown) => e)) as TesseraError;
    expect(err.code).toBe('ERR_STORE_UNAVAILABLE');
    expect(err.status).toBe(503);
    expect(err.cause).toEqual({ name: 'InternalServerError', httpStatusCode: 500 });
  });

  it('audits every change with the parameter names, never a value', async () => {
    const { installer, lines } = setup();
    await installer.install('acme', GOOD);
    await installer.set('acme', 'shared_secret', SECRET_V2);
    await installer.uninstall('acme');
    const events = lines.map((l) => JSON.parse(l) as { event: string; actor: string });
    expect(events.map((e) => e.event)).toEqual(['iparams.installed', 'iparams.updated', 'iparams.uninstalled']);
    expect(events.every((e) => e.actor === 'tester')).toBe(true);
    expect(lines.join('\n')).not.toContain(SECRET_V1);
    expect(lines.join('\n')).not.toContain(SECRET_V2);
  });
});
