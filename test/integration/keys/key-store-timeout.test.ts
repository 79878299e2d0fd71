/**
 * The signing-key store's default client gives up on a hung SSM: three attempts of at most 1,000 ms each, then
 * ERR_STORE_UNAVAILABLE, instead of holding the invocation until Lambda's own timeout.
 */
import { SsmKeyStore } from '../../../packages/runtime/src/keys/index.js';
import { SSM_MAX_ATTEMPTS, SSM_REQUEST_TIMEOUT_MS } from '../../../packages/runtime/src/iparams/index.js';
import { startLocalSsm, type LocalSsm } from '../../helpers/ssm.js';

jest.setTimeout(30_000);

let ssm: LocalSsm;
const saved = process.env.AWS_ENDPOINT_URL_SSM;
beforeAll(async () => {
  ssm = await startLocalSsm();
  process.env.AWS_ENDPOINT_URL_SSM = ssm.server.url;
});
afterAll(async () => {
  if (saved === undefined) delete process.env.AWS_ENDPOINT_URL_SSM;
  else process.env.AWS_ENDPOINT_URL_SSM = saved;
  await ssm.stop();
});

it('fails a read SSM never answers after its attempts, each cut at the request timeout', async () => {
  // Prepare: every answer 20 s late, far past the attempts' timeouts
  ssm.server.faults.set({ kind: 'latency', ms: 20_000 });
  const store = new SsmKeyStore();
  // Act
  const error = await store.get('order-lookup').catch((e: unknown) => e);
  // Assess
  expect(error).toMatchObject({ code: 'ERR_STORE_UNAVAILABLE' });
  expect(ssm.server.requestCounts().GetParameter).toBe(SSM_MAX_ATTEMPTS);
  expect(SSM_REQUEST_TIMEOUT_MS * SSM_MAX_ATTEMPTS).toBeLessThan(20_000);
  ssm.server.faults.clear();
});
