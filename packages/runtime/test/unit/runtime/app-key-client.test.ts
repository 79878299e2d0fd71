/** A function whose app signs with its own key: what the caller sees when the app has no usable key. */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { TesseraError } from '../../../../protocol/src/errors.js';
import type { SigningKeyProvider } from '../../../src/keys/index.js';
import { createApp } from '../../../src/index.js';
import { captureLogger } from '../../../../../test/helpers/logs.js';
import { storeFor } from './_iparam-store.js';

const manifest = {
  app: { id: 'order-lookup', version: '1.0.0' },
  functions: { sync: { methods: ['POST'] } },
  customer: {
    baseUrl: '{{iparams.server_url}}',
    allowedHosts: ['*.orders.example.com'],
    auth: { mode: 'jwt', secretIparam: 'shared_secret', alg: 'ES256' },
  },
};
const event = {
  rawPath: '/sync',
  rawQueryString: '',
  headers: {},
  requestContext: { http: { method: 'POST', path: '/sync' } },
  body: '{}',
  isBase64Encoded: false,
} as unknown as APIGatewayProxyEventV2;

describe.each(['ERR_KEYS_NOT_FOUND', 'ERR_KEYS_INVALID'] as const)('an app-key function when the key set gives %s', (code) => {
  it('answers 500 ERR_CONFIG_INVALID, logs the cause, and sends nothing to the customer', async () => {
    // Prepare
    const { store } = storeFor(['acme']);
    const log = captureLogger();
    let sent = 0;
    const signingKeys: SigningKeyProvider = {
      peek: () => undefined,
      current: async () => {
        throw new TesseraError(code);
      },
      clearCache: () => undefined,
    };
    const http = {
      request: async () => {
        sent++;
        return { status: 200 };
      },
    } as never;
    const fn = createApp({ manifest, store, identify: () => 'acme', signingKeys, http, logger: log.logger }).defineFunction(
      'sync',
      async ({ customer }) => ({
        body: (await customer.post('/orders/sync', {})).data,
      }),
    );
    // Act
    const res = await fn(event);
    // Assess
    expect(res.statusCode).toBe(500);
    expect(JSON.parse(String(res.body))).toEqual({ error: { code: 'ERR_CONFIG_INVALID', message: expect.any(String) } });
    expect(sent).toBe(0);
    expect(log.lines.map((l) => JSON.parse(l))).toContainEqual(
      expect.objectContaining({ event: 'function.refused', code: 'ERR_CONFIG_INVALID', cause: code }),
    );
  });
});
