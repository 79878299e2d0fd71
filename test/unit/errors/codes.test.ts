/** Error codes are contracts: each is documented in the README and asserted by some test; the wire shape is fixed. */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ERROR_CODES, IparamValidationError, TesseraError, type TesseraErrorCode } from '../../../packages/protocol/src/errors.js';

const root = resolve(__dirname, '../../..');
const codes = Object.keys(ERROR_CODES) as TesseraErrorCode[];

function testFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? testFiles(path) : /\.test\.ts$/.test(name) && !path.endsWith('codes.test.ts') ? [path] : [];
  });
}

/** Codes of the frontend guards, whose tests arrive with them (issue 3). */
const PENDING = new Set<TesseraErrorCode>([]);

describe('error codes', () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const packageTests = readdirSync(join(root, 'packages')).map((p) => join(root, 'packages', p, 'test')).filter((d) => existsSync(d));
  const tests = [join(root, 'test'), ...packageTests].flatMap(testFiles).map((f) => readFileSync(f, 'utf8')).join('\n');

  it.each(codes)('%s is listed in the README', (code) => {
    expect(readme).toContain(`\`${code}\``);
  });

  it.each(codes.filter((c) => !PENDING.has(c)))('%s is asserted by a test', (code) => {
    expect(tests).toContain(code);
  });

  it.each(codes.filter((c) => ERROR_CODES[c][0] >= 100))('%s maps to an HTTP status', (code) => {
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
