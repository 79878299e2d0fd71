/** The app definition the iparams integration tests install against. */
import type { IparamsSchema, Manifest } from '../../../packages/schema/src/types.js';

export const APP_ID = 'order-lookup';

export const manifest: Manifest = {
  app: { id: APP_ID, version: '1.0.0' },
  functions: { getOrder: { methods: ['GET'] } },
  customer: {
    baseUrl: '{{iparams.server_url}}',
    allowedHosts: ['*.orders.example.com'],
    auth: { mode: 'jwt', secretIparam: 'shared_secret' },
  },
};

export const schema: IparamsSchema = {
  server_url: { display_name: 'Server', type: 'url', required: true },
  shared_secret: { display_name: 'Secret', type: 'text', secure: true, required: true, min: 43 },
  region: { display_name: 'Region', type: 'dropdown', options: ['eu', 'us'], default_value: 'eu' },
  notes: { display_name: 'Notes', type: 'paragraph' },
};

export const SECRET_V1 = 'v1-Secret-0123456789abcdef0123456789abcdef0123';
export const SECRET_V2 = 'v2-Secret-fedcba9876543210fedcba9876543210fedc';

export const GOOD = { server_url: 'https://acme.orders.example.com', shared_secret: SECRET_V1, notes: 'hello' };
