/** Installer.rotate and the audit events: refusals name field and rule, one event per operation, never a value. */
import { IparamValidationError, type TesseraError } from '../../../../protocol/src/errors.js';
import { createInstaller, type InstallationDocument, type IparamStore } from '../../../src/iparams/index.js';
import type { IparamsSchema, Manifest } from '../../../../schema/src/index.js';
import { captureLogger } from '../../../../../test/helpers/logs.js';

const V1 = 'inst-Secret-v1-0123456789abcdef0123456789abcdef';
const V2 = 'inst-Secret-v2-fedcba9876543210fedcba9876543210';
const V3 = 'inst-Secret-v3-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
const T0 = Date.parse('2026-05-01T08:00:00.000Z');

const manifest: Manifest = {
  app: { id: 'order-lookup', version: '1.0.0' },
  functions: { getOrder: { methods: ['GET'] } },
  customer: { baseUrl: '{{iparams.server_url}}', allowedHosts: ['*.orders.example.com'], auth: { mode: 'jwt', secretIparam: 'shared_secret' } },
};
const schema: IparamsSchema = {
  server_url: { display_name: 'Server', type: 'url', required: true },
  shared_secret: { display_name: 'Secret', type: 'text', secure: true, required: true, min: 43 },
  api_token: { display_name: 'Token', type: 'text', secure: true },
  notes: { display_name: 'Notes', type: 'paragraph' },
};
const GOOD = { server_url: 'https://acme.orders.example.com', shared_secret: V1, notes: 'hello' };

/** Keeps the documents as JSON text, as SSM does, and counts writes. */
function memoryStore() {
  const docs = new Map<string, string>();
  const state = { puts: 0 };
  const store: IparamStore = {
    async get(_app, id) {
      const text = docs.get(id);
      return text === undefined ? undefined : { version: state.puts, document: JSON.parse(text) as InstallationDocument };
    },
    async put(_app, id, doc) {
      docs.set(id, JSON.stringify(doc));
      return { version: ++state.puts };
    },
    async delete(_app, id) {
      return docs.delete(id);
    },
  };
  return { store, state, raw: (id: string) => docs.get(id) ?? '' };
}

function setup() {
  const mem = memoryStore();
  const clock = { ms: T0 };
  const log = captureLogger();
  const installer = createInstaller({ manifest, schema, store: mem.store, logger: log.logger, actor: 'alice', now: () => new Date(clock.ms) });
  const events = () => log.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  return { ...mem, clock, installer, lines: log.lines, events };
}

async function refusal(p: Promise<unknown>): Promise<TesseraError> {
  return (await p.then(
    () => undefined,
    (e: unknown) => e,
  )) as TesseraError;
}

describe('Installer.rotate', () => {
  it('stores the new value and keeps the old one until the grace window ends (default 24 h)', async () => {
    // Prepare
    const { installer, raw } = setup();
    await installer.install('acme', GOOD);
    // Act
    const out = await installer.rotate('acme', 'shared_secret', V2);
    const shown = await installer.describe('acme');
    // Assess
    expect(out).toEqual({ version: 2, previousUntil: new Date(T0 + 86_400_000).toISOString() });
    expect(JSON.parse(raw('acme')).previous).toEqual({ shared_secret: { value: V1, until: out.previousUntil, version: 1 } });
    expect(shown.fields.find((f) => f.name === 'shared_secret')).toEqual({
      name: 'shared_secret',
      secure: true,
      set: true,
      version: 2,
      updatedAt: new Date(T0).toISOString(),
      previousUntil: out.previousUntil,
    });
    expect(JSON.stringify(shown)).not.toContain(V1);
    expect(JSON.stringify(shown)).not.toContain(V2);
  });

  it('takes the window from graceSec, and describe stops naming it once it has ended', async () => {
    const { installer, clock } = setup();
    await installer.install('acme', GOOD);
    const out = await installer.rotate('acme', 'shared_secret', V2, { graceSec: 3_600 });
    clock.ms += 3_600_000;
    const shown = await installer.describe('acme');
    expect(out.previousUntil).toBe(new Date(T0 + 3_600_000).toISOString());
    expect(shown.fields.find((f) => f.name === 'shared_secret')).not.toHaveProperty('previousUntil');
  });

  it('drops an ended window on the next write', async () => {
    const { installer, clock, raw } = setup();
    await installer.install('acme', GOOD);
    await installer.rotate('acme', 'shared_secret', V2, { graceSec: 3_600 });
    clock.ms += 3_600_001;
    await installer.set('acme', 'notes', 'later');
    expect(raw('acme')).not.toContain(V1);
    expect(JSON.parse(raw('acme'))).not.toHaveProperty('previous');
  });

  it.each([
    ['an unknown name', 'colour', V2, 'is not a known parameter'],
    ['a field that is not secure', 'notes', 'text', 'is not a secure field: only secure fields are rotated with a grace window (use `iparams set`)'],
    ['a secure field with no value yet', 'api_token', V2, 'has no value yet, so there is nothing to keep during a rotation (use `iparams set`)'],
    ['no new value', 'shared_secret', undefined, 'is required'],
    ['the current value again', 'shared_secret', V1, 'must differ from the current value to rotate it'],
    ['a value breaking the schema', 'shared_secret', 'short-Secret-value', 'must be at least 43 characters'],
  ])('refuses %s with the field and the rule, and writes nothing', async (_what, name, value, rule) => {
    // Prepare
    const { installer, state, lines } = setup();
    await installer.install('acme', GOOD);
    // Act
    const err = (await refusal(installer.rotate('acme', name, value))) as IparamValidationError;
    // Assess
    expect(err).toBeInstanceOf(IparamValidationError);
    expect(err.code).toBe('ERR_IPARAM_INVALID');
    expect(err.status).toBe(400);
    expect(err.issues).toEqual([{ field: name, rule: expect.stringContaining(rule) }]);
    expect(state.puts).toBe(1);
    expect(err.message + lines.join('\n')).not.toContain(V1);
    if (typeof value === 'string') expect(err.message + lines.join('\n')).not.toContain(value);
  });

  it('refuses to rotate an optional secure field to nothing, which would drop it rather than rotate it', async () => {
    const { installer, state } = setup();
    await installer.install('acme', { ...GOOD, api_token: V2 });
    const err = (await refusal(installer.rotate('acme', 'api_token', ''))) as IparamValidationError;
    expect(err.issues).toEqual([{ field: 'api_token', rule: 'needs a new value to rotate to' }]);
    expect(state.puts).toBe(1);
  });

  it('answers ERR_INSTALLATION_NOT_FOUND (404) for an installation that is not there', async () => {
    const { installer } = setup();
    const err = await refusal(installer.rotate('nobody', 'shared_secret', V2));
    expect(err.code).toBe('ERR_INSTALLATION_NOT_FOUND');
    expect(err.status).toBe(404);
  });

  it.each([[{ graceSec: 3_599 }], [{ graceSec: 2_592_001 }], [{ graceSec: 1.5 * 3_600 + 0.5 }], [{ grace: 3_600 }]])(
    'rejects the option %j as a programmer error',
    async (options) => {
      const { installer } = setup();
      await installer.install('acme', GOOD);
      expect(() => installer.rotate('acme', 'shared_secret', V2, options as object)).toThrow(TypeError);
    },
  );
});

describe('audit events', () => {
  it('logs one event per install, set, rotate and uninstall: what, where, which, who, when, result; never a value', async () => {
    // Prepare
    const { installer, clock, events, lines } = setup();
    // Act
    await installer.install('acme', GOOD);
    clock.ms += 1_000;
    await installer.set('acme', 'shared_secret', V2);
    clock.ms += 1_000;
    await installer.rotate('acme', 'shared_secret', V3, { graceSec: 7_200 });
    clock.ms += 1_000;
    await installer.uninstall('acme');
    // Assess
    const at = (s: number) => new Date(T0 + s * 1000).toISOString();
    const common = { level: 'info', audit: true, appId: 'order-lookup', installationId: 'acme', actor: 'alice', result: 'ok' };
    expect(events()).toEqual([
      {
        ...common,
        time: expect.any(String),
        event: 'iparams.installed',
        at: at(0),
        parameters: ['server_url', 'shared_secret', 'notes'],
        version: 1,
      },
      { ...common, time: expect.any(String), event: 'iparams.updated', at: at(1), parameter: 'shared_secret', version: 2 },
      {
        ...common,
        time: expect.any(String),
        event: 'iparams.rotated',
        at: at(2),
        parameter: 'shared_secret',
        version: 3,
        graceSec: 7_200,
        previousUntil: at(7_202),
      },
      { ...common, time: expect.any(String), event: 'iparams.uninstalled', at: at(3), removed: true },
    ]);
    for (const secret of [V1, V2, V3]) expect(lines.join('\n')).not.toContain(secret);
  });

  it('logs a refused operation once, as failed with its code', async () => {
    // Prepare
    const { installer, events } = setup();
    await installer.install('acme', GOOD);
    // Act
    await refusal(installer.rotate('acme', 'notes', 'x'));
    await refusal(installer.install('acme', GOOD));
    await refusal(installer.set('nobody', 'notes', 'x'));
    // Assess
    expect(
      events()
        .slice(1)
        .map(({ event, result, code, parameter, installationId }) => ({ event, result, code, parameter, installationId })),
    ).toEqual([
      { event: 'iparams.rotated', result: 'failed', code: 'ERR_IPARAM_INVALID', parameter: 'notes', installationId: 'acme' },
      { event: 'iparams.installed', result: 'failed', code: 'ERR_IPARAM_INVALID', parameter: undefined, installationId: 'acme' },
      { event: 'iparams.updated', result: 'failed', code: 'ERR_INSTALLATION_NOT_FOUND', parameter: 'notes', installationId: 'nobody' },
    ]);
    expect(
      events()
        .slice(1)
        .every((e) => e.level === 'warn'),
    ).toBe(true);
  });

  it('names neither an invalid installation id nor an unknown parameter name, which may be a pasted value', async () => {
    // Prepare
    const { installer, events, lines } = setup();
    await installer.install('acme', GOOD);
    // Act
    await refusal(installer.set('acme', 'Pasted_Secret_0123456789abcdefXYZ', 'x'));
    await refusal(installer.uninstall('Not-An-Id/../x'));
    // Assess
    const [set, uninstall] = events().slice(1);
    expect(set).toMatchObject({ event: 'iparams.updated', result: 'failed', code: 'ERR_IPARAM_INVALID', installationId: 'acme' });
    expect(set).not.toHaveProperty('parameter');
    expect(uninstall).toMatchObject({ event: 'iparams.uninstalled', result: 'failed', code: 'ERR_INSTALLATION_ID_INVALID' });
    expect(uninstall).not.toHaveProperty('installationId');
    expect(lines.join('\n')).not.toContain('Pasted_Secret');
    expect(lines.join('\n')).not.toContain('Not-An-Id');
  });
});
