/** One error identity: a Tessera error is recognised by its global brand, even when made by another copy of the package. */
import { InboundError, TesseraError, VerifyError, isTesseraError } from '../../src/errors.js';

describe('isTesseraError', () => {
  it('recognises an error from a second, separately loaded copy of the errors module, where instanceof cannot', () => {
    // Prepare: a fresh module registry loads the file again, as a second installed copy of the package would be
    let Other: typeof import('../../src/errors.js') | undefined;
    jest.isolateModules(() => {
      Other = jest.requireActual<typeof import('../../src/errors.js')>('../../src/errors.js');
    });
    const foreign = new Other!.VerifyError('ERR_VERIFY_EXPIRED', 'exp has passed');

    // Assess
    expect(Other!.TesseraError).not.toBe(TesseraError);
    expect(foreign instanceof TesseraError).toBe(false);
    expect(isTesseraError(foreign)).toBe(true);
    expect(Other!.isTesseraError(new InboundError('ERR_SESSION_MISSING'))).toBe(true);
  });

  it.each([
    ['a plain Error', new Error('ERR_VERIFY_EXPIRED')],
    ['an object copying the fields', { code: 'ERR_VERIFY_EXPIRED', status: 401, message: 'Token expired' }],
    ['a JSON round trip of a Tessera error', JSON.parse(JSON.stringify(new VerifyError('ERR_VERIFY_EXPIRED', 'x')))],
    ['null', null],
    ['a string', 'ERR_VERIFY_EXPIRED'],
  ])('is false for %s', (_name, value) => {
    expect(isTesseraError(value)).toBe(false);
  });

  it('keeps the brand out of the wire body', () => {
    expect(JSON.stringify(new VerifyError('ERR_VERIFY_EXPIRED', 'x'))).toBe('{"error":{"code":"ERR_VERIFY_EXPIRED","message":"Token expired"}}');
  });
});
