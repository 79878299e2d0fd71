import { restoreFunctionAnswer } from '../../src/index.js';

describe('restoreFunctionAnswer', () => {
  it('keeps only the CORS headers the function set, and its own status', () => {
    // Prepare: what serverless-offline makes of a refused preflight
    const headers = {
      'x-tessera-cors-headers': '',
      'x-tessera-status': '403',
      'access-control-allow-origin': 'https://evil.example.com',
      'access-control-allow-credentials': 'true',
      vary: 'Origin',
    };
    // Act
    const out = restoreFunctionAnswer(200, headers);
    // Assess
    expect(out).toEqual({ status: 403, headers: { vary: 'Origin' } });
  });

  it("keeps the function's own allow headers", () => {
    const out = restoreFunctionAnswer(200, {
      'x-tessera-cors-headers': 'access-control-allow-origin,access-control-allow-methods',
      'x-tessera-status': '204',
      'access-control-allow-origin': 'http://127.0.0.1:4200',
      'access-control-allow-methods': 'GET',
      'access-control-allow-credentials': 'true',
    });
    expect(out).toEqual({ status: 204, headers: { 'access-control-allow-origin': 'http://127.0.0.1:4200', 'access-control-allow-methods': 'GET' } });
  });

  it.each([[{}], [{ 'x-tessera-status': '204' }]])('passes an unmarked answer as it is (%j)', (headers) => {
    const input = { ...headers, 'access-control-allow-origin': '*' };
    expect(restoreFunctionAnswer(200, input)).toEqual({ status: 200, headers: input });
  });

  it('ignores a status marker that is not an HTTP status', () => {
    expect(restoreFunctionAnswer(200, { 'x-tessera-cors-headers': '', 'x-tessera-status': '9999' }).status).toBe(200);
  });
});
