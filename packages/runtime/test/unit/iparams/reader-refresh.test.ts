/** The reader's forced refresh (rate-limited, coalesced) and its view of a rotated field's previous value. */
import { createIparamsReader, type InstallationDocument, type IparamStore } from '../../../src/iparams/index.js';
import { StoreError, type TesseraError } from '../../../../protocol/src/errors.js';
import { captureLogger } from '../../../../../test/helpers/logs.js';

const OLD = 'rr-Old-secret-0123456789abcdef0123456789abcdef';
const NEW = 'rr-New-secret-fedcba9876543210fedcba9876543210';
const WALL_T0 = Date.parse('2026-03-01T12:00:00.000Z');

/** A store in memory that counts reads, can fail, and can hold a gate open to make reads concurrent. */
function memoryStore() {
  const state = { gets: 0, fail: false, gate: undefined as Promise<void> | undefined, doc: undefined as InstallationDocument | undefined };
  const store: IparamStore = {
    async get() {
      state.gets++;
      await state.gate;
      if (state.fail) throw new StoreError('ERR_STORE_UNAVAILABLE', { cause: { name: 'ThrottlingException' } });
      return state.doc && { version: 1, document: structuredClone(state.doc) };
    },
    put: async () => ({ version: 1 }),
    delete: async () => true,
  };
  const write = (secret: string, previous?: { value: string; untilMs: number }) => {
    state.doc = {
      format: 1,
      installationId: 'acme',
      values: { shared_secret: secret },
      fields: {},
      installedAt: '',
      updatedAt: '',
      ...(previous ? { previous: { shared_secret: { value: previous.value, until: new Date(previous.untilMs).toISOString(), version: 1 } } } : {}),
    };
  };
  return { store, state, write };
}

function setup(options: { refreshMinIntervalMs?: number; ttlMs?: number } = {}) {
  const mem = memoryStore();
  const clock = { ms: 1_000, wallMs: WALL_T0 };
  const log = captureLogger();
  const reader = createIparamsReader({
    appId: 'app',
    store: mem.store,
    logger: log.logger,
    now: () => clock.ms,
    wallClock: () => clock.wallMs,
    ...options,
  });
  mem.write(OLD);
  return { ...mem, clock, reader, lines: log.lines };
}

describe('IparamsReader.refresh', () => {
  it('reads the store again inside the TTL and returns the new value', async () => {
    // Prepare
    const { reader, state, clock, write } = setup({ ttlMs: 60_000 });
    await reader.read('acme');
    write(NEW);
    clock.ms += 5_000;
    // Act
    const cached = await reader.read<{ shared_secret: string }>('acme');
    const fresh = await reader.refresh<{ shared_secret: string }>('acme');
    const after = await reader.read<{ shared_secret: string }>('acme');
    // Assess
    expect(cached.shared_secret).toBe(OLD);
    expect(fresh.shared_secret).toBe(NEW);
    expect(after.shared_secret).toBe(NEW);
    expect(state.gets).toBe(2);
  });

  it('reads the store at most once per refreshMinIntervalMs per installation, however often it is asked', async () => {
    // Prepare
    const { reader, state, clock } = setup({ refreshMinIntervalMs: 5_000 });
    await reader.read('acme');
    // Act
    for (let i = 0; i < 100; i++) {
      await reader.refresh('acme');
      clock.ms += 40; // 100 refreshes over 4 s
    }
    const within = state.gets;
    clock.ms += 1_000;
    await reader.refresh('acme');
    await reader.refresh('acme');
    // Assess
    expect(within).toBe(1);
    expect(state.gets).toBe(2);
  });

  it('counts a failed store read against the interval, so a failing store is not asked again at once', async () => {
    const { reader, state, clock } = setup({ ttlMs: 1_000 });
    await reader.read('acme');
    clock.ms += 5_000;
    state.fail = true;
    const served = await reader.refresh<{ shared_secret: string }>('acme');
    await reader.refresh('acme');
    expect(served.shared_secret).toBe(OLD);
    expect(state.gets).toBe(2);
  });

  it('coalesces concurrent refreshes into one store read', async () => {
    // Prepare
    const { reader, state, clock, write } = setup();
    await reader.read('acme');
    clock.ms += 5_000;
    write(NEW);
    let open!: () => void;
    state.gate = new Promise((r) => (open = r));
    // Act
    const refreshes = Array.from({ length: 50 }, () => reader.refresh<{ shared_secret: string }>('acme'));
    open();
    const results = await Promise.all(refreshes);
    // Assess
    expect(state.gets).toBe(2);
    expect(new Set(results.map((r) => r.shared_secret))).toEqual(new Set([NEW]));
  });

  it('reads an installation it has not cached yet, and refuses an invalid id before any read', async () => {
    const { reader, state } = setup();
    const values = await reader.refresh<{ shared_secret: string }>('acme');
    const err = (await reader.refresh('../x').catch((e: unknown) => e)) as TesseraError;
    expect(values.shared_secret).toBe(OLD);
    expect(err.code).toBe('ERR_INSTALLATION_ID_INVALID');
    expect(state.gets).toBe(1);
  });

  it('works when detached from the reader object', async () => {
    const { reader } = setup();
    const { refresh } = reader;
    await expect(refresh('acme')).resolves.toEqual({ shared_secret: OLD });
  });

  it.each([
    ['refreshMinIntervalMs 999', { refreshMinIntervalMs: 999 }],
    ['refreshMinIntervalMs 3,600,001', { refreshMinIntervalMs: 3_600_001 }],
    ['refreshMinIntervalMs NaN', { refreshMinIntervalMs: Number.NaN }],
    ['a misspelt wallclock', { wallclock: Date.now }],
  ])('rejects the option %s', (_name, opt) => {
    const { store } = memoryStore();
    expect(() => createIparamsReader({ appId: 'app', store, ...(opt as object) })).toThrow(TypeError);
  });
});

describe('IparamsReader.previous', () => {
  it('gives the previous value of a rotated field while its window lasts, then nothing', async () => {
    // Prepare
    const { reader, clock, write, lines } = setup();
    write(NEW, { value: OLD, untilMs: WALL_T0 + 3_600_000 });
    await reader.read('acme');
    // Act
    const inside = reader.previous('acme', 'shared_secret');
    clock.wallMs = WALL_T0 + 3_600_000;
    const atEnd = reader.previous('acme', 'shared_secret');
    // Assess
    expect(inside).toBe(OLD);
    expect(atEnd).toBeUndefined();
    expect(lines.join('\n')).not.toContain(OLD);
  });

  it('gives nothing for a field without one, an inherited name, or an installation not cached', async () => {
    const { reader, write } = setup();
    write(NEW, { value: OLD, untilMs: WALL_T0 + 3_600_000 });
    expect(reader.previous('acme', 'shared_secret')).toBeUndefined();
    await reader.read('acme');
    expect(reader.previous('acme', 'notes')).toBeUndefined();
    expect(reader.previous('acme', 'constructor')).toBeUndefined();
    expect(reader.previous('other', 'shared_secret')).toBeUndefined();
  });

  it('follows the document after a refresh: a window ended by a later write is gone', async () => {
    const { reader, clock, write } = setup();
    write(NEW, { value: OLD, untilMs: WALL_T0 + 3_600_000 });
    await reader.read('acme');
    write(NEW);
    clock.ms += 5_000;
    await reader.refresh('acme');
    expect(reader.previous('acme', 'shared_secret')).toBeUndefined();
  });
});
