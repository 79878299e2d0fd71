import {
  DescribeParametersCommand,
  GetParameterCommand,
  GetParameterHistoryCommand,
  HierarchyLevelLimitExceededException,
  HierarchyTypeMismatchException,
  InvalidKeyId,
  ParameterAlreadyExists,
  ParameterPatternMismatchException,
  PutParameterCommand,
  type PutParameterCommandInput,
  ValidationException,
} from '@aws-sdk/client-ssm';
import { expectAwsError, type SsmLocalHarness, startHarness } from '../../../../test/fixtures/ssm-local-harness.js';

const SECRET = 'correct-horse-battery-staple-7f3a';

describe('startSsmLocal', () => {
  let h: SsmLocalHarness;
  const put = (input: Partial<PutParameterCommandInput> & { Name: string }) =>
    h.client.send(new PutParameterCommand({ Value: SECRET, Type: 'SecureString', ...input }));
  const stored = async (Name: string) => (await h.client.send(new GetParameterHistoryCommand({ Name, WithDecryption: true }))).Parameters?.at(-1);

  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.dispose();
  });

  describe('operation: PutParameter', () => {
    it('creates version 1 in the Standard tier with the default KMS key', async () => {
      // Act
      const out = await put({ Name: '/app/i1/secret', Description: 'api key' });
      // Assess
      expect(out).toMatchObject({ Version: 1, Tier: 'Standard' });
      expect(await stored('/app/i1/secret')).toMatchObject({
        Type: 'SecureString',
        KeyId: 'alias/aws/ssm',
        Description: 'api key',
        DataType: 'text',
        Tier: 'Standard',
        Value: SECRET,
      });
    });

    it('keeps the KeyId, DataType and Tier it was given', async () => {
      // Act
      const out = await put({ Name: '/app/k', KeyId: 'alias/tessera', Tier: 'Advanced' });
      await put({ Name: '/app/ami', Type: 'String', Value: 'ami-12345678', DataType: 'aws:ec2:image' });
      // Assess
      expect(out.Tier).toBe('Advanced');
      expect(await stored('/app/k')).toMatchObject({ KeyId: 'alias/tessera', Tier: 'Advanced' });
      expect(await stored('/app/ami')).toMatchObject({ DataType: 'aws:ec2:image' });
    });

    it('refuses an existing name without Overwrite with ParameterAlreadyExists', async () => {
      // Prepare
      await put({ Name: '/app/k' });
      // Act
      const err = await expectAwsError(put({ Name: '/app/k', Value: 'other' }), ParameterAlreadyExists, 400);
      // Assess
      expect(err.message).not.toContain(SECRET);
      expect((await stored('/app/k'))?.Value).toBe(SECRET);
    });

    it('adds a version with Overwrite', async () => {
      // Prepare
      await put({ Name: '/app/k', Type: 'String', Value: 'one' });
      // Act
      const out = await put({ Name: '/app/k', Type: undefined, Value: 'two', Overwrite: true });
      // Assess
      expect(out.Version).toBe(2);
      const { Parameter } = await h.client.send(new GetParameterCommand({ Name: '/app/k' }));
      expect(Parameter).toMatchObject({ Type: 'String', Value: 'two', Version: 2 });
    });

    it('refuses a type change with HierarchyTypeMismatchException', async () => {
      // Prepare
      await put({ Name: '/app/k', Type: 'String', Value: 'plain' });
      // Act
      const call = put({ Name: '/app/k', Type: 'SecureString', Overwrite: true });
      // Assess
      const err = await expectAwsError(call, HierarchyTypeMismatchException, 400);
      expect(err.message).not.toContain(SECRET);
      expect(h.logger.text()).not.toContain(SECRET);
    });

    it('refuses to create a parameter without a Type', async () => {
      // Act
      const err = await expectAwsError(put({ Name: '/app/k', Type: undefined }), ValidationException, 400);
      // Assess
      expect(err.message).not.toContain(SECRET);
    });
  });

  describe('option: Tier', () => {
    it.each([
      ['4096 one-byte characters', 'a'.repeat(4096)],
      ['1365 three-byte characters (4095 bytes)', '€'.repeat(1365)],
    ])('accepts %s in the Standard tier', async (_case, value) => {
      // Act
      const out = await put({ Name: '/app/k', Value: value });
      // Assess
      expect(out.Tier).toBe('Standard');
    });

    it.each([
      ['4097 one-byte characters', 'a'.repeat(4097)],
      ['1366 three-byte characters (4098 bytes, counted in UTF-8)', '€'.repeat(1366)],
    ])('refuses %s in the Standard tier', async (_case, value) => {
      // Act
      const err = await expectAwsError(put({ Name: '/app/k', Value: value }), ValidationException, 400);
      // Assess
      expect(err.message).toContain('Standard tier parameters support a maximum');
      expect(err.message).not.toContain(value);
    });

    it('refuses more than 8192 bytes even in the Advanced tier', async () => {
      // Act
      const call = put({ Name: '/app/k', Value: 'b'.repeat(8193), Tier: 'Advanced' });
      // Assess
      await expectAwsError(call, ValidationException, 400);
    });

    it('picks Standard or Advanced by size under Intelligent-Tiering', async () => {
      // Act
      const small = await put({ Name: '/app/small', Tier: 'Intelligent-Tiering' });
      const large = await put({ Name: '/app/large', Value: 'c'.repeat(5000), Tier: 'Intelligent-Tiering' });
      // Assess
      expect(small.Tier).toBe('Standard');
      expect(large.Tier).toBe('Advanced');
    });

    it('keeps an Advanced parameter Advanced when the tier is omitted and refuses a downgrade', async () => {
      // Prepare
      await put({ Name: '/app/k', Tier: 'Advanced' });
      // Act
      const kept = await put({ Name: '/app/k', Overwrite: true });
      const downgrade = put({ Name: '/app/k', Overwrite: true, Tier: 'Standard' });
      // Assess
      expect(kept.Tier).toBe('Advanced');
      await expectAwsError(downgrade, ValidationException, 400);
    });

    it('upgrades a Standard parameter to Advanced', async () => {
      // Prepare
      await put({ Name: '/app/k' });
      // Act
      const out = await put({ Name: '/app/k', Overwrite: true, Tier: 'Advanced' });
      // Assess
      expect(out.Tier).toBe('Advanced');
      const described = await h.client.send(new DescribeParametersCommand({}));
      expect(described.Parameters?.[0]?.Tier).toBe('Advanced');
    });
  });

  describe('option: Name', () => {
    it.each([
      ['a space', '/app/a b', ValidationException],
      ['a path without a leading slash', 'app/k', ValidationException],
      ['an empty segment', '/app//k', ValidationException],
      ['a trailing slash', '/app/k/', ValidationException],
      ['the "aws" prefix', 'awsKey', ValidationException],
      ['the "AWS" prefix in a path', '/AWS/k', ValidationException],
      ['the "ssm" prefix', '/Ssm-things/k', ValidationException],
      ['a colon', '/app/k:1', ValidationException],
      ['1012 characters', `/${'n'.repeat(1011)}`, ValidationException],
      ['16 hierarchy levels', `/${Array.from({ length: 16 }, (_, i) => `l${i}`).join('/')}`, HierarchyLevelLimitExceededException],
    ])('refuses a name with %s', async (_case, name, errorClass) => {
      // Act
      const err = await expectAwsError(put({ Name: name }), errorClass, 400);
      // Assess
      expect(err.message).not.toContain(SECRET);
      expect(h.logger.text()).not.toContain(SECRET);
    });

    it.each([
      ['a plain name', 'plainName'],
      ['every allowed symbol', '/a-b/c_d/e.f/G9'],
      ['15 hierarchy levels', `/${Array.from({ length: 15 }, (_, i) => `l${i}`).join('/')}`],
      ['1011 characters', `/${'n'.repeat(1010)}`],
      ['"aws" later in the name', '/app/aws'],
    ])('accepts %s', async (_case, name) => {
      // Act
      const out = await put({ Name: name });
      // Assess
      expect(out.Version).toBe(1);
    });
  });

  describe('option: KeyId, AllowedPattern, DataType', () => {
    it('refuses a KeyId on a String with ValidationException', async () => {
      // Act
      const call = put({ Name: '/app/k', Type: 'String', KeyId: 'alias/x' });
      // Assess
      await expectAwsError(call, ValidationException, 400);
    });

    it('refuses a malformed KeyId with InvalidKeyId', async () => {
      // Act
      const call = put({ Name: '/app/k', KeyId: 'not a key id' });
      // Assess
      await expectAwsError(call, InvalidKeyId, 400);
    });

    it('refuses a value outside AllowedPattern and keeps the pattern for later versions', async () => {
      // Prepare
      await put({ Name: '/app/port', Type: 'String', Value: '8080', AllowedPattern: '\\d+' });
      // Act
      const err = await expectAwsError(
        put({ Name: '/app/port', Type: 'String', Value: 'eighty', Overwrite: true }),
        ParameterPatternMismatchException,
        400,
      );
      // Assess
      expect(err.message).not.toContain('eighty');
    });

    it('refuses an unknown DataType with ValidationException', async () => {
      // Act
      const call = put({ Name: '/app/k', DataType: 'json' });
      // Assess
      await expectAwsError(call, ValidationException, 400);
    });
  });
});
