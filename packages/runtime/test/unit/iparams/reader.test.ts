import { createIparamsReader, type IparamStore, type StoredDocument } from '../../../src/iparams/index.js';
import { StoreError, type TesseraError } from '../../../../protocol/src/errors.js';
import { captureLogger } from '../../../../../test/helpers/http-recorder.js';

const SECRET = 'rdr-secret-value-0123456789abcdef0123456789';

/** A store kept in memory that counts reads and can be told to fail. */
function memoryStore() {
  const docs = new Map<string, StoredDocument>();
  const state = { gets: 0, fail: false, gate: undefined as Promise<void> | undefined };
  const store: IparamStore = {
    async get(_app, id) {
      state.gets++;
      await state.gate;
      if (state.fail) throw new StoreError('ERR_STORE_UNAVAILABLE', { cause: { name: 'ThrottlingException' } });
      return docs.get(id);
    },
    async put() {
      return { version: 1 };
    },
    async delete() {
      return true;
    },
  };
  const set = (id: string, values: Record<string, string>) =>
    docs.set(id, {
      version: 1,
      document: { format: 1, installationId: id, values, fields: {}, installedAt: '', updatedAt: '' },
    });
  return { store, state, set };
}

function setup(options: { ttlMs?: number; maxStaleMs?: number } = {}) {
  const mem = memoryStore();
  const clock = { ms: 1_000 };
  const log = captureLogger();
  const reader = createIparamsReader({ appId: 'app', store: mem.store, logger: log.logger, now: () => clock.ms, ...options });
  mem.set('acme', { shared_secret: SECRET, server_url: 'https://a.example.com' });
  return { ...mem, clock, reader, lines: log.lines };
}

describe('createIparamsReader', () => {
  it('reads the store once per TTL', async () => {
    // Prepare
    const { reader, state, clock } = setup({ ttlMs: 60_000 });
    // Act
    for (let i = 0; i < 5; i++) await reader.read('acme');
    clock.ms += 59_999;
    await reader.read('acme');
    const before = state.gets;
    clock.ms += 1;
    await reader.read('acme');
    // Assess
    expect(before).toBe(1);
    expect(state.gets).toBe(2);
  });

  it('coalesces concurrent misses into one store read', async () => {
    // Prepare
    const { reader, state } = setup();
    let open!: () => void;
    state.gate = new Promise((r) => (open = r));
    // Act
    const reads = Array.from({ length: 50 }, () => reader.read('acme'));
    open();
    const results = await Promise.all(reads);
    // Assess
    expect(state.gets).toBe(1);
    expect(new Set(results).size).toBe(1);
  });

  it('serves the last good value while refreshes fail, and logs no value', async () => {
    // Prepare
    const { reader, state, clock, lines } = setup({ ttlMs: 1_000, maxStaleMs: 60_000 });
    const first = await reader.read('acme');
    state.fail = true;
    clock.ms += 2_000;
    // Act
    const stale = await reader.read('acme');
    const again = await reader.read('acme');
    // Assess
    expect(stale).toBe(first);
    expect(again).toBe(first);
    expect(state.gets).toBe(2); // the second stale read does not ask a failing store again at once
    expect(lines.join('\n')).toContain('iparams.refresh_failed');
    expect(lines.join('\n')).not.toContain(SECRET);
  });

  it('stops serving a stale value after maxStaleMs', async () => {
    const { reader, state, clock } = setup({ ttlMs: 1_000, maxStaleMs: 10_000 });
    await reader.read('acme');
    state.fail = true;
    clock.ms += 11_001;
    const err = (await reader.read('acme').catch((e: unknown) => e)) as StoreError;
    expect(err.code).toBe('ERR_STORE_UNAVAILABLE');
    expect(err.status).toBe(503);
  });

  it('answers ERR_INSTALLATION_NOT_FOUND (404) for an unknown installation', async () => {
    const { reader } = setup();
    const err = (await reader.read('nobody').catch((e: unknown) => e)) as TesseraError;
    expect(err.code).toBe('ERR_INSTALLATION_NOT_FOUND');
    expect(err.status).toBe(404);
  });

  it('refuses an invalid installation id before any store read', async () => {
    const { reader, state } = setup();
    const err = (await reader.read('../other').catch((e: unknown) => e)) as TesseraError;
    expect(err.code).toBe('ERR_INSTALLATION_ID_INVALID');
    expect(state.gets).toBe(0);
  });

  it('reads again after invalidate', async () => {
    const { reader, state } = setup();
    await reader.read('acme');
    reader.invalidate('acme');
    await reader.read('acme');
    expect(state.gets).toBe(2);
  });

  it.each([[{ ttlMs: -1 }], [{ maxStaleMs: 16 * 60_000 }], [{ ttlMs: Number.NaN }], [{ colour: 'blue' }]])('rejects the option %j', (opt) => {
    const { store } = memoryStore();
    expect(() => createIparamsReader({ appId: 'app', store, ...(opt as object) })).toThrow(TypeError);
  });
});
