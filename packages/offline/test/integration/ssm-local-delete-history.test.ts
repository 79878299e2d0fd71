import {
  DeleteParameterCommand,
  DeleteParametersCommand,
  DescribeParametersCommand,
  GetParameterCommand,
  GetParameterHistoryCommand,
  InvalidNextToken,
  ParameterNotFound,
  PutParameterCommand,
  ValidationException,
  paginateDescribeParameters,
  paginateGetParameterHistory,
} from '@aws-sdk/client-ssm';
import { expectAwsError, type SsmLocalHarness, startHarness } from '../../../../test/fixtures/ssm-local-harness.js';

const SECRET = 'correct-horse-battery-staple-7f3a';

describe('startSsmLocal', () => {
  let h: SsmLocalHarness;
  const put = (Name: string, Value: string, Type: 'String' | 'SecureString' = 'String', Overwrite = false) =>
    h.client.send(new PutParameterCommand({ Name, Value, Type, Overwrite }));

  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.dispose();
  });

  describe('operation: DeleteParameter', () => {
    it('deletes a parameter, and a re-created one starts again at version 1', async () => {
      // Prepare
      await put('/app/k', 'one');
      await put('/app/k', 'two', 'String', true);
      // Act
      await h.client.send(new DeleteParameterCommand({ Name: '/app/k' }));
      const recreated = await put('/app/k', 'three');
      // Assess
      expect(recreated.Version).toBe(1);
    });

    it('refuses an unknown name with ParameterNotFound', async () => {
      // Act
      const call = h.client.send(new DeleteParameterCommand({ Name: '/app/missing' }));
      // Assess
      await expectAwsError(call, ParameterNotFound, 400);
    });
  });

  describe('operation: DeleteParameters', () => {
    it('reports DeletedParameters and InvalidParameters', async () => {
      // Prepare
      await put('/app/a', 'A');
      await put('/app/b', SECRET, 'SecureString');
      // Act
      const out = await h.client.send(new DeleteParametersCommand({ Names: ['/app/a', '/app/zzz', '/app/b'] }));
      // Assess
      expect(out.DeletedParameters).toEqual(['/app/a', '/app/b']);
      expect(out.InvalidParameters).toEqual(['/app/zzz']);
      await expectAwsError(h.client.send(new GetParameterCommand({ Name: '/app/b' })), ParameterNotFound, 400);
    });

    it('refuses more than 10 names with ValidationException and deletes nothing', async () => {
      // Prepare
      await put('/app/n0', 'x');
      const names = Array.from({ length: 11 }, (_, i) => `/app/n${i}`);
      // Act
      const call = h.client.send(new DeleteParametersCommand({ Names: names }));
      // Assess
      await expectAwsError(call, ValidationException, 400);
      const { Parameter } = await h.client.send(new GetParameterCommand({ Name: '/app/n0' }));
      expect(Parameter?.Value).toBe('x');
    });
  });

  describe('operation: GetParameterHistory', () => {
    it('lists every version oldest first, decrypting on request', async () => {
      // Prepare
      await put('/app/s', `${SECRET}-1`, 'SecureString');
      await put('/app/s', `${SECRET}-2`, 'SecureString', true);
      // Act
      const plain = await h.client.send(new GetParameterHistoryCommand({ Name: '/app/s', WithDecryption: true }));
      const opaque = await h.client.send(new GetParameterHistoryCommand({ Name: '/app/s' }));
      // Assess
      expect(plain.Parameters?.map((p) => [p.Version, p.Value])).toEqual([
        [1, `${SECRET}-1`],
        [2, `${SECRET}-2`],
      ]);
      expect(plain.Parameters?.[0]).toMatchObject({ Type: 'SecureString', KeyId: 'alias/aws/ssm', Tier: 'Standard' });
      expect(plain.Parameters?.[0]?.LastModifiedDate).toBeInstanceOf(Date);
      expect(JSON.stringify(opaque.Parameters)).not.toContain(SECRET);
    });

    it('pages through versions with paginateGetParameterHistory', async () => {
      // Prepare
      await put('/app/k', 'v1');
      for (let i = 2; i <= 5; i += 1) await put('/app/k', `v${i}`, 'String', true);
      const versions: number[][] = [];
      // Act
      for await (const page of paginateGetParameterHistory({ client: h.client, pageSize: 2 }, { Name: '/app/k' })) {
        versions.push((page.Parameters ?? []).map((p) => p.Version ?? 0));
      }
      // Assess
      expect(versions).toEqual([[1, 2], [3, 4], [5]]);
    });

    it.each([
      ['an unknown name', { Name: '/app/missing' }, ParameterNotFound],
      ['MaxResults 51', { Name: '/app/k', MaxResults: 51 }, ValidationException],
      ['a forged NextToken', { Name: '/app/k', NextToken: 'eyJzIjoieCIsImEiOiIxIn0' }, InvalidNextToken],
    ])('refuses %s', async (_case, input, errorClass) => {
      // Prepare
      await put('/app/k', SECRET, 'SecureString');
      // Act
      const err = await expectAwsError(h.client.send(new GetParameterHistoryCommand(input)), errorClass, 400);
      // Assess
      expect(err.message).not.toContain(SECRET);
      expect(h.logger.text()).not.toContain(SECRET);
    });
  });

  describe('operation: DescribeParameters', () => {
    beforeEach(async () => {
      await put('/app/a', 'A');
      await put('/app/sub/b', SECRET, 'SecureString');
      await put('/other/c', 'C');
    });

    it('describes every parameter without its value', async () => {
      // Act
      const out = await h.client.send(new DescribeParametersCommand({}));
      // Assess
      expect(out.Parameters?.map((p) => p.Name)).toEqual(['/app/a', '/app/sub/b', '/other/c']);
      expect(out.Parameters?.[1]).toMatchObject({
        Type: 'SecureString',
        KeyId: 'alias/aws/ssm',
        Version: 1,
        Tier: 'Standard',
        DataType: 'text',
        ARN: 'arn:aws:ssm:us-east-1:000000000000:parameter/app/sub/b',
      });
      expect(JSON.stringify(out)).not.toContain(SECRET);
    });

    it.each([
      ['Name BeginsWith', [{ Key: 'Name', Option: 'BeginsWith', Values: ['/app'] }], ['/app/a', '/app/sub/b']],
      ['Path Recursive', [{ Key: 'Path', Option: 'Recursive', Values: ['/app'] }], ['/app/a', '/app/sub/b']],
      ['Path OneLevel', [{ Key: 'Path', Values: ['/app'] }], ['/app/a']],
      ['Type', [{ Key: 'Type', Values: ['String'] }], ['/app/a', '/other/c']],
    ])('filters by %s', async (_case, ParameterFilters, expected) => {
      // Act
      const out = await h.client.send(new DescribeParametersCommand({ ParameterFilters }));
      // Assess
      expect(out.Parameters?.map((p) => p.Name)).toEqual(expected);
    });

    it('pages with paginateDescribeParameters', async () => {
      // Prepare
      const names: string[] = [];
      // Act
      for await (const page of paginateDescribeParameters({ client: h.client, pageSize: 1 }, {})) {
        names.push(...(page.Parameters ?? []).map((p) => p.Name ?? ''));
      }
      // Assess
      expect(names).toEqual(['/app/a', '/app/sub/b', '/other/c']);
    });
  });
});
