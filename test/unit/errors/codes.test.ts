/**
 * Error codes are contracts: each is documented in docs/errors.md under its family (test/integration/errors
 * produces each one); the wire shape is fixed; a family class takes only its own codes.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  CliError,
  ERROR_CODES,
  ERROR_FAMILIES,
  InboundError,
  IparamValidationError,
  KeysError,
  StoreError,
  TesseraError,
  VerifyError,
  type TesseraErrorCode,
} from '../../../packages/protocol/src/errors.js';
import { EXIT_CODES, exitCodeOf } from '../../../packages/cli/src/run.js';

const root = resolve(__dirname, '../../..');
const codes = Object.keys(ERROR_CODES) as TesseraErrorCode[];

describe('error codes', () => {
  const doc = readFileSync(join(root, 'docs', 'errors.md'), 'utf8');

  it.each(codes)('%s is listed in docs/errors.md', (code) => {
    expect(doc).toContain(`\`${code}\``);
  });

  it('belong to families that name no other code', () => {
    const inFamilies = new Set<string>(Object.values(ERROR_FAMILIES).flat());
    expect([...inFamilies].sort()).toEqual([...codes].sort());
  });

  it.each(codes)('%s maps to an HTTP status', (code) => {
    const status = new TesseraError(code).status;
    expect(status).toBeGreaterThanOrEqual(400);
    expect(status).toBeLessThan(600);
  });
});

describe('TesseraError', () => {
  it('serialises exactly {"error":{"code","message"}}, never its cause', () => {
    // Prepare
    const err = new TesseraError('ERR_STORE_UNAVAILABLE', { cause: { secret: 'cause-detail-s3cr3t' } });
    // Act
    const res = err.toResponse();
    // Assess
    expect(JSON.parse(res.body)).toEqual({ error: { code: 'ERR_STORE_UNAVAILABLE', message: 'Parameter store is unavailable' } });
    expect(res).toMatchObject({ statusCode: 503, headers: { 'content-type': 'application/json' } });
    expect(JSON.stringify(err) + res.body).not.toContain('cause-detail-s3cr3t');
  });

  it('names field and rule in a validation message', () => {
    const err = new IparamValidationError([{ field: 'apiKey', rule: 'must match /^[A-Za-z0-9]{32}$/' }]);
    expect(err.message).toBe('iparam "apiKey": must match /^[A-Za-z0-9]{32}$/');
    expect(err).toBeInstanceOf(TesseraError);
    expect(err.name).toBe('IparamValidationError');
  });
});

describe('error families', () => {
  it.each([
    ['InboundError', 'inbound', () => new InboundError('ERR_VERIFY_REPLAYED' as never), 'ERR_VERIFY_REPLAYED'],
    ['VerifyError', 'verify', () => new VerifyError('ERR_SESSION_EXPIRED' as never, 'reason'), 'ERR_SESSION_EXPIRED'],
    ['KeysError', 'keys', () => new KeysError('ERR_STORE_UNAVAILABLE' as never), 'ERR_STORE_UNAVAILABLE'],
    ['CliError', 'cli', () => new CliError('ERR_INTERNAL' as never), 'ERR_INTERNAL'],
  ])("%s refuses a code of another family (a JavaScript caller's mistake) with a TypeError", (name, family, make, code) => {
    expect(make).toThrow(new TypeError(`${name}: "${code}" is not a code of ${family}`));
  });

  it('refuses a code that does not exist, even on the base class', () => {
    expect(() => new TesseraError('ERR_NOT_A_CODE' as never)).toThrow(TypeError);
  });
});

describe('CLI exit codes', () => {
  it.each([
    ['a usage error', new CliError('ERR_CLI_USAGE'), EXIT_CODES.usage, 2],
    ['SSM unavailable', new StoreError('ERR_STORE_UNAVAILABLE'), EXIT_CODES.unavailable, 69],
    ['an unknown installation', new StoreError('ERR_INSTALLATION_NOT_FOUND'), EXIT_CODES.failed, 1],
    ['invalid values', new IparamValidationError([{ field: 'server_url', rule: 'must be a URL' }]), EXIT_CODES.failed, 1],
    ['a programming error', new TypeError('x'), EXIT_CODES.failed, 1],
  ])("end the command on %s with the CLI's own code, never the error's HTTP status", (_name, err, expected, value) => {
    expect(exitCodeOf(err)).toBe(expected);
    expect(expected).toBe(value);
    if (err instanceof TesseraError) expect(exitCodeOf(err)).not.toBe(err.status);
  });
});
