import { chmod, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GetParameterCommand, GetParameterHistoryCommand, GetParametersByPathCommand, PutParameterCommand } from '@aws-sdk/client-ssm';
import { StoreError } from '../../../protocol/src/errors.js';
import { startSsmLocal } from '../../src/index.js';
import { captureLogger, makeDataDir, type SsmLocalHarness, startHarness } from '../../../../test/fixtures/ssm-local-harness.js';

const SECRET = 'correct-horse-battery-staple-7f3a';
const DATA_FILE = 'ssm-local.json';
const KEY_FILE = 'ssm-local.key';

interface DataFile {
  parameters: { name: string; versions: { version: number; type: string; value: string }[] }[];
}

async function readDataFile(dataDir: string): Promise<DataFile> {
  return JSON.parse(await readFile(join(dataDir, DATA_FILE), 'utf8')) as DataFile;
}

function sealedValueOf(doc: DataFile, name: string): string {
  const value = doc.parameters.find((p) => p.name === name)?.versions.at(-1)?.value;
  if (value === undefined) throw new Error(`no stored value for ${name}`);
  return value;
}

async function expectRefusedStart(dataDir: string): Promise<StoreError> {
  const logger = captureLogger();
  const outcome = await startSsmLocal({ dataDir, port: 0, logger }).then(
    async (server) => {
      await server.close();
      return undefined;
    },
    (err: unknown) => err,
  );
  expect(outcome).toBeInstanceOf(StoreError);
  const err = outcome as StoreError;
  expect(err.code).toBe('ERR_STORE_UNAVAILABLE');
  expect(err.status).toBe(503);
  expect(err.message).not.toContain(SECRET);
  expect(logger.text()).not.toContain(SECRET);
  return err;
}

describe('startSsmLocal', () => {
  let h: SsmLocalHarness;

  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.dispose();
  });

  describe('storage: data file', () => {
    it('keeps every parameter and version across a restart', async () => {
      // Prepare
      await h.client.send(new PutParameterCommand({ Name: '/app/s', Value: `${SECRET}-1`, Type: 'SecureString' }));
      await h.client.send(new PutParameterCommand({ Name: '/app/s', Value: `${SECRET}-2`, Type: 'SecureString', Overwrite: true }));
      await h.client.send(new PutParameterCommand({ Name: '/app/list', Value: 'a,b', Type: 'StringList' }));
      // Act
      await h.restart();
      // Assess
      const history = await h.client.send(new GetParameterHistoryCommand({ Name: '/app/s', WithDecryption: true }));
      expect(history.Parameters?.map((p) => p.Value)).toEqual([`${SECRET}-1`, `${SECRET}-2`]);
      const list = await h.client.send(new GetParameterCommand({ Name: '/app/list' }));
      expect(list.Parameter).toMatchObject({ Type: 'StringList', Value: 'a,b' });
    });

    it('never holds a SecureString plaintext', async () => {
      // Prepare
      const unicodeSecret = `${SECRET}-ünïcødé-🔑`;
      // Act
      await h.client.send(new PutParameterCommand({ Name: '/app/s', Value: unicodeSecret, Type: 'SecureString' }));
      // Assess
      const bytes = await readFile(join(h.dataDir, DATA_FILE));
      expect(bytes.includes(Buffer.from(SECRET, 'utf8'))).toBe(false);
      expect(bytes.includes(Buffer.from(unicodeSecret, 'utf8'))).toBe(false);
      expect(bytes.includes(Buffer.from(SECRET, 'utf8').toString('base64'))).toBe(false);
    });

    it('is written with mode 0600 and leaves no temp files behind', async () => {
      // Act
      await h.client.send(new PutParameterCommand({ Name: '/app/k', Value: 'v', Type: 'String' }));
      // Assess
      expect((await stat(join(h.dataDir, DATA_FILE))).mode & 0o777).toBe(0o600);
      expect((await readdir(h.dataDir)).sort()).toEqual([DATA_FILE, KEY_FILE]);
    });

    it('persists every one of many concurrent puts', async () => {
      // Prepare
      const names = Array.from({ length: 30 }, (_, i) => `/app/c${i}`);
      // Act
      const created = await Promise.all(
        names.map((Name) => h.client.send(new PutParameterCommand({ Name, Value: `${SECRET}${Name}`, Type: 'SecureString' }))),
      );
      const overwrites = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          h.client.send(new PutParameterCommand({ Name: '/app/hot', Value: `v${i}`, Type: 'String', Overwrite: true })),
        ),
      );
      await h.restart();
      // Assess
      expect(created.every((c) => c.Version === 1)).toBe(true);
      expect(overwrites.map((o) => o.Version).sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      const found: string[] = [];
      let NextToken: string | undefined;
      do {
        const page = await h.client.send(new GetParametersByPathCommand({ Path: '/app', WithDecryption: true, NextToken }));
        found.push(...(page.Parameters ?? []).map((p) => `${p.Name}=${p.Value}`));
        NextToken = page.NextToken;
      } while (NextToken);
      expect(found).toHaveLength(31);
      expect(found).toEqual(expect.arrayContaining(names.map((n) => `${n}=${SECRET}${n}`)));
      const hot = await h.client.send(new GetParameterHistoryCommand({ Name: '/app/hot' }));
      expect(hot.Parameters).toHaveLength(20);
    });

    it('refuses to start on a data file that is not JSON', async () => {
      // Prepare
      await h.server.close();
      await writeFile(join(h.dataDir, DATA_FILE), '{"format":');
      // Act
      const err = await expectRefusedStart(h.dataDir);
      // Assess
      expect(err.message).toContain('not valid JSON');
    });
  });

  describe('storage: encryption at rest', () => {
    it('creates the key file with mode 0600 on first use', async () => {
      // Act
      const info = await stat(join(h.dataDir, KEY_FILE));
      // Assess
      expect(info.mode & 0o777).toBe(0o600);
      expect(info.size).toBe(32);
    });

    it.each([
      ['0640', 0o640],
      ['0604', 0o604],
      ['0644', 0o644],
      ['0660', 0o660],
    ])('refuses to start when the key file has mode %s', async (_mode, mode) => {
      // Prepare
      await h.server.close();
      await chmod(join(h.dataDir, KEY_FILE), mode);
      // Act
      const err = await expectRefusedStart(h.dataDir);
      // Assess
      expect(err.message).toContain('chmod 600');
      expect(err.message).toContain(KEY_FILE);
    });

    it('refuses to start when the key file is not 32 bytes', async () => {
      // Prepare
      await h.server.close();
      await writeFile(join(h.dataDir, KEY_FILE), Buffer.alloc(16), { mode: 0o600 });
      // Act
      const err = await expectRefusedStart(h.dataDir);
      // Assess
      expect(err.message).toContain('32 bytes');
    });

    it('refuses a tampered SecureString ciphertext', async () => {
      // Prepare
      await h.client.send(new PutParameterCommand({ Name: '/app/s', Value: SECRET, Type: 'SecureString' }));
      await h.server.close();
      const doc = await readDataFile(h.dataDir);
      const sealed = Buffer.from(sealedValueOf(doc, '/app/s'), 'base64');
      sealed[sealed.length - 1] = (sealed[sealed.length - 1] ?? 0) ^ 0x01;
      const version = doc.parameters[0]?.versions[0];
      if (version) version.value = sealed.toString('base64');
      await writeFile(join(h.dataDir, DATA_FILE), JSON.stringify(doc));
      // Act
      const err = await expectRefusedStart(h.dataDir);
      // Assess
      expect(err.message).toContain('/app/s');
      expect(err.message).toContain('fails authentication');
    });

    it('refuses a ciphertext moved onto another parameter', async () => {
      // Prepare
      await h.client.send(new PutParameterCommand({ Name: '/app/a', Value: SECRET, Type: 'SecureString' }));
      await h.client.send(new PutParameterCommand({ Name: '/app/b', Value: 'harmless', Type: 'SecureString' }));
      await h.server.close();
      const doc = await readDataFile(h.dataDir);
      const target = doc.parameters.find((p) => p.name === '/app/b')?.versions[0];
      if (target) target.value = sealedValueOf(doc, '/app/a');
      await writeFile(join(h.dataDir, DATA_FILE), JSON.stringify(doc));
      // Act
      const err = await expectRefusedStart(h.dataDir);
      // Assess
      expect(err.message).toContain('/app/b');
    });

    it('cannot decrypt with a different key file', async () => {
      // Prepare
      await h.client.send(new PutParameterCommand({ Name: '/app/s', Value: SECRET, Type: 'SecureString' }));
      await h.server.close();
      await rm(join(h.dataDir, KEY_FILE));
      // Act
      await expectRefusedStart(h.dataDir);
      // Assess
      expect((await stat(join(h.dataDir, KEY_FILE))).mode & 0o777).toBe(0o600);
    });
  });

  describe('option: dataDir', () => {
    it('creates a missing data directory with mode 0700', async () => {
      // Prepare
      const parent = await makeDataDir();
      const dataDir = join(parent, 'nested', 'ssm');
      // Act
      const server = await startSsmLocal({ dataDir, port: 0, logger: captureLogger() });
      await server.close();
      // Assess
      expect((await stat(dataDir)).mode & 0o777).toBe(0o700);
      await rm(parent, { recursive: true, force: true });
    });
  });
});
