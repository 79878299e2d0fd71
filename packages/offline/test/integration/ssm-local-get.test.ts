import {
  GetParameterCommand,
  GetParametersByPathCommand,
  GetParametersCommand,
  InvalidFilterKey,
  InvalidNextToken,
  ParameterNotFound,
  ParameterVersionNotFound,
  PutParameterCommand,
  paginateGetParametersByPath,
  ValidationException,
} from '@aws-sdk/client-ssm';
import { expectAwsError, type SsmLocalHarness, startHarness } from '../../../../test/fixtures/ssm-local-harness.js';

const SECRET = 'correct-horse-battery-staple-7f3a';

describe('startSsmLocal', () => {
  let h: SsmLocalHarness;
  const put = (Name: string, Value: string, Type: 'String' | 'StringList' | 'SecureString' = 'String', Overwrite = false) =>
    h.client.send(new PutParameterCommand({ Name, Value, Type, Overwrite }));

  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.dispose();
  });

  describe('operation: GetParameter', () => {
    it('returns the current version with AWS metadata', async () => {
      // Prepare
      const before = Date.now();
      await put('/app/greeting', 'hello');
      // Act
      const { Parameter } = await h.client.send(new GetParameterCommand({ Name: '/app/greeting' }));
      // Assess
      expect(Parameter).toMatchObject({
        Name: '/app/greeting',
        Type: 'String',
        Value: 'hello',
        Version: 1,
        ARN: 'arn:aws:ssm:us-east-1:000000000000:parameter/app/greeting',
        DataType: 'text',
      });
      expect(Parameter?.LastModifiedDate).toBeInstanceOf(Date);
      expect(Parameter?.LastModifiedDate?.getTime()).toBeGreaterThanOrEqual(before - 1);
    });

    it('decrypts a SecureString only when WithDecryption is true', async () => {
      // Prepare
      await put('/app/secret', SECRET, 'SecureString');
      // Act
      const plain = await h.client.send(new GetParameterCommand({ Name: '/app/secret', WithDecryption: true }));
      const opaque = await h.client.send(new GetParameterCommand({ Name: '/app/secret' }));
      // Assess
      expect(plain.Parameter?.Value).toBe(SECRET);
      expect(opaque.Parameter?.Type).toBe('SecureString');
      expect(opaque.Parameter?.Value).toMatch(/^[A-Za-z0-9+/]+=*$/);
      expect(opaque.Parameter?.Value).not.toContain(SECRET);
      expect(h.logger.text()).not.toContain(SECRET);
    });

    it('reads an older version through a name:version selector', async () => {
      // Prepare
      await put('/app/k', 'one');
      await put('/app/k', 'two', 'String', true);
      // Act
      const { Parameter } = await h.client.send(new GetParameterCommand({ Name: '/app/k:1' }));
      // Assess
      expect(Parameter).toMatchObject({ Name: '/app/k', Value: 'one', Version: 1, Selector: ':1' });
    });

    it('refuses an unknown name with ParameterNotFound', async () => {
      // Act
      const err = await expectAwsError(h.client.send(new GetParameterCommand({ Name: '/app/missing' })), ParameterNotFound, 400);
      // Assess
      expect(err.message).toContain('/app/missing');
    });

    it.each([
      ['a version that never existed', '/app/k:7'],
      ['version 0', '/app/k:0'],
      ['a label (labels are not supported locally)', '/app/k:prod'],
    ])('refuses %s with ParameterVersionNotFound', async (_case, name) => {
      // Prepare
      await put('/app/k', SECRET, 'SecureString');
      // Act
      const err = await expectAwsError(h.client.send(new GetParameterCommand({ Name: name })), ParameterVersionNotFound, 400);
      // Assess
      expect(err.message).not.toContain(SECRET);
      expect(h.logger.text()).not.toContain(SECRET);
    });
  });

  describe('operation: GetParameters', () => {
    it('returns found parameters and lists the rest as InvalidParameters', async () => {
      // Prepare
      await put('/app/a', 'A');
      await put('/app/b', SECRET, 'SecureString');
      // Act
      const out = await h.client.send(new GetParametersCommand({ Names: ['/app/a', '/app/b', '/app/nope', '/app/a:9'], WithDecryption: true }));
      // Assess
      expect(out.Parameters?.map((p) => [p.Name, p.Value])).toEqual([
        ['/app/a', 'A'],
        ['/app/b', SECRET],
      ]);
      expect(out.InvalidParameters).toEqual(['/app/nope', '/app/a:9']);
    });

    it('refuses more than 10 names with ValidationException', async () => {
      // Prepare
      const names = Array.from({ length: 11 }, (_, i) => `/app/n${i}`);
      // Act
      const err = await expectAwsError(h.client.send(new GetParametersCommand({ Names: names })), ValidationException, 400);
      // Assess
      expect(err.message).toContain('less than or equal to 10');
    });
  });

  describe('operation: GetParametersByPath', () => {
    beforeEach(async () => {
      for (const name of ['/p/a', '/p/b', '/p/c', '/p/sub/d', '/p/sub/deep/e', '/other/x', 'flat']) {
        await put(name, `value-of-${name}`);
      }
      await put('/p/secret', SECRET, 'SecureString');
    });

    it('returns one level by default', async () => {
      // Act
      const out = await h.client.send(new GetParametersByPathCommand({ Path: '/p' }));
      // Assess
      expect(out.Parameters?.map((p) => p.Name)).toEqual(['/p/a', '/p/b', '/p/c', '/p/secret']);
      expect(out.NextToken).toBeUndefined();
    });

    it('descends the whole hierarchy when Recursive is true', async () => {
      // Act
      const out = await h.client.send(new GetParametersByPathCommand({ Path: '/p/', Recursive: true }));
      // Assess
      expect(out.Parameters?.map((p) => p.Name)).toEqual(['/p/a', '/p/b', '/p/c', '/p/secret', '/p/sub/d', '/p/sub/deep/e']);
    });

    it('pages with paginateGetParametersByPath and decrypts on request', async () => {
      // Prepare
      const pages: string[][] = [];
      // Act
      for await (const page of paginateGetParametersByPath(
        { client: h.client, pageSize: 2 },
        { Path: '/p', Recursive: true, WithDecryption: true },
      )) {
        pages.push((page.Parameters ?? []).map((p) => `${p.Name}=${p.Value}`));
      }
      // Assess
      expect(pages.map((p) => p.length)).toEqual([2, 2, 2]);
      expect(pages.flat()).toContain(`/p/secret=${SECRET}`);
    });

    it('filters by Type', async () => {
      // Act
      const out = await h.client.send(
        new GetParametersByPathCommand({
          Path: '/p',
          Recursive: true,
          ParameterFilters: [{ Key: 'Type', Values: ['SecureString'] }],
        }),
      );
      // Assess
      expect(out.Parameters?.map((p) => p.Name)).toEqual(['/p/secret']);
      expect(out.Parameters?.[0]?.Value).not.toBe(SECRET);
    });

    it.each([
      ['MaxResults 0', { Path: '/p', MaxResults: 0 }, ValidationException],
      ['MaxResults 11', { Path: '/p', MaxResults: 11 }, ValidationException],
      ['a path without a leading slash', { Path: 'p' }, ValidationException],
      ['a forged NextToken', { Path: '/p', NextToken: 'not-a-token' }, InvalidNextToken],
      ['a filter on Name', { Path: '/p', ParameterFilters: [{ Key: 'Name', Values: ['/p/a'] }] }, InvalidFilterKey],
    ])('refuses %s', async (_case, input, errorClass) => {
      // Act
      const err = await expectAwsError(h.client.send(new GetParametersByPathCommand(input)), errorClass, 400);
      // Assess
      expect(err.message).not.toContain(SECRET);
      expect(h.logger.text()).not.toContain(SECRET);
    });

    it('refuses a NextToken issued for another path with InvalidNextToken', async () => {
      // Prepare
      const first = await h.client.send(new GetParametersByPathCommand({ Path: '/p', MaxResults: 1 }));
      // Act
      const call = h.client.send(new GetParametersByPathCommand({ Path: '/other', NextToken: first.NextToken }));
      // Assess
      await expectAwsError(call, InvalidNextToken, 400);
    });
  });
});
