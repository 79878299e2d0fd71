/** Batched reads: one store request refreshes the installation read and the cached ones due in the TTL's last quarter. */
import { createIparamsReader, type IparamStore, type StoredDocument } from '../../../src/iparams/index.js';
import { StoreError } from '../../../../protocol/src/errors.js';
import { captureLogger } from '../../../../../test/helpers/http-recorder.js';

const TTL_MS = 60_000;

function batchStore() {
  const docs = new Map<string, StoredDocument>();
  const state = { gets: 0, batches: [] as string[][], fail: false, broken: new Set<string>() };
  const doc = (id: string, version: number): StoredDocument => ({
    version,
    document: {
      format: 1,
      installationId: id,
      values: { server_url: `https://${id}.example.com`, v: String(version) },
      fields: {},
      installedAt: '',
      updatedAt: '',
    },
  });
  const store: IparamStore = {
    async get(_app, id) {
      state.gets++;
      if (state.fail) throw new StoreError('ERR_STORE_UNAVAILABLE');
      return docs.get(id);
    },
    async getMany(_app, ids) {
      state.batches.push([...ids]);
      if (state.fail) throw new StoreError('ERR_STORE_UNAVAILABLE');
      const broken = new StoreError('ERR_STORE_UNAVAILABLE', { cause: { name: 'MalformedDocument' } });
      return new Map(ids.map((id) => [id, state.broken.has(id) ? broken : docs.get(id)]));
    },
    put: async () => ({ version: 1 }),
    delete: async () => true,
  };
  return { store, state, docs, doc };
}

function setup(batchSize: number) {
  const mem = batchStore();
  const clock = { ms: 1_000 };
  const log = captureLogger();
  const reader = createIparamsReader({ appId: 'app', store: mem.store, ttlMs: TTL_MS, batchSize, now: () => clock.ms, logger: log.logger });
  for (let i = 0; i < 12; i++) mem.docs.set(`t${i}`, mem.doc(`t${i}`, 1));
  return { ...mem, clock, reader, lines: log.lines };
}

describe('createIparamsReader batchSize', () => {
  it('refreshes the cached installations due in the last quarter of their TTL with the one it reads, oldest first', async () => {
    // Prepare: t0..t3 read 10 s apart
    const { reader, state, clock, docs, doc } = setup(3);
    for (let i = 0; i < 4; i++) {
      await reader.read(`t${i}`);
      clock.ms += 10_000;
    }
    for (let i = 0; i < 4; i++) docs.set(`t${i}`, doc(`t${i}`, 2));
    // Act: at 60 s after t0's read, t0 is stale; t1 (50 s) and t2 (40 s)… only t1 is in the last quarter (≥ 45 s)
    clock.ms += 20_000;
    const t0 = await reader.read<{ v: string }>('t0');
    // Assess
    expect(t0.v).toBe('2');
    expect(state.batches.at(-1)).toEqual(['t0', 't1']);
    expect(reader.peek<{ v: string }>('t1')?.v).toBe('2');
    expect(reader.peek<{ v: string }>('t2')?.v).toBe('1');
  });

  it('takes at most batchSize installations per request', async () => {
    // Prepare
    const { reader, state, clock } = setup(4);
    for (let i = 0; i < 10; i++) await reader.read(`t${i}`);
    // Act
    clock.ms += TTL_MS;
    await reader.read('t0');
    // Assess
    expect(state.batches.at(-1)).toHaveLength(4);
  });

  it('makes a tenth of the requests for ten busy installations read in turn', async () => {
    // Prepare: ten installations, each read every second for ten minutes, one reader batching, one not; the first
    // minute's misses (one each, nothing cached to ride along) are left out
    const count = async (batchSize: number) => {
      const { reader, state, clock } = setup(batchSize);
      let warm = 0;
      for (let s = 0; s < 600; s++) {
        if (s === 60) warm = state.gets + state.batches.length;
        for (let i = 0; i < 10; i++) await reader.read(`t${i}`);
        clock.ms += 1_000;
      }
      return state.gets + state.batches.length - warm;
    };
    // Act
    const single = await count(1);
    const batched = await count(10);
    // Assess: every installation still refreshed once per TTL at least
    expect(single).toBe(9 * 10);
    expect(batched).toBeLessThanOrEqual(single / 10);
  });

  it('lets a concurrent read of a rider join the batch', async () => {
    // Prepare
    const { reader, state, clock } = setup(3);
    await reader.read('t0');
    await reader.read('t1');
    clock.ms += TTL_MS;
    // Act
    const [a, b] = await Promise.all([reader.read('t0'), reader.read('t1')]);
    // Assess
    expect(a).toBeDefined();
    expect(b).toBeDefined();
    expect(state.batches).toEqual([['t0', 't1']]);
    expect(state.gets).toBe(2);
  });

  it('serves riders their last values when the batch fails, and backs off', async () => {
    // Prepare
    const { reader, state, clock, lines } = setup(3);
    await reader.read('t0');
    await reader.read('t1');
    clock.ms += TTL_MS;
    state.fail = true;
    // Act
    const t0 = await reader.read<{ v: string }>('t0');
    await new Promise((r) => setImmediate(r));
    const t1 = await reader.read<{ v: string }>('t1');
    // Assess: one failed request, stale values served, no second request inside the back-off
    expect(t0.v).toBe('1');
    expect(t1.v).toBe('1');
    expect(state.batches).toHaveLength(1);
    expect(lines.filter((l) => l.includes('iparams.refresh_failed'))).toHaveLength(2);
  });

  it('serves a rider uninstalled meanwhile stale, with a warning, and reports it missing once the stale cap is over', async () => {
    // Prepare
    const { reader, state, clock, docs, lines } = setup(3);
    await reader.read('t0');
    await reader.read('t1');
    clock.ms += TTL_MS;
    docs.delete('t1');
    // Act
    await reader.read('t0');
    await new Promise((r) => setImmediate(r));
    const stale = await reader.read<{ v: string }>('t1');
    clock.ms += 16 * 60_000;
    const gone = await reader.read('t1').catch((e: unknown) => e);
    // Assess
    expect(state.batches[0]).toEqual(['t0', 't1']);
    expect(stale.v).toBe('1');
    expect(lines.some((l) => l.includes('iparams.refresh_failed') && l.includes('"installationId":"t1"'))).toBe(true);
    expect(gone).toMatchObject({ code: 'ERR_INSTALLATION_NOT_FOUND' });
  });

  it('fails only the installation whose document is broken, not the one read with it', async () => {
    // Prepare: t1's document cannot be read; t0 is read for the first time with t1 riding along
    const { reader, state, clock, lines } = setup(3);
    await reader.read('t1');
    clock.ms += TTL_MS;
    state.broken.add('t1');
    // Act
    const t0 = await reader.read<{ v: string }>('t0');
    // Assess
    expect(state.batches.at(-1)).toEqual(['t0', 't1']);
    expect(t0.v).toBe('1');
    expect(reader.peek('t1')).toBeUndefined();
    expect(lines.some((l) => l.includes('iparams.refresh_failed') && l.includes('"installationId":"t1"'))).toBe(true);
  });

  it.each([0, 11, 2.5])('refuses batchSize %p', (batchSize) => {
    const { store } = batchStore();
    expect(() => createIparamsReader({ appId: 'app', store, batchSize })).toThrow(TypeError);
  });

  it('refuses batching over a store without getMany', () => {
    const { store } = batchStore();
    const { getMany: _dropped, ...single } = store;
    expect(() => createIparamsReader({ appId: 'app', store: single, batchSize: 2 })).toThrow(/getMany/);
  });
});
