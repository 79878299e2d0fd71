/** The smallest app: one function, its customer client ready. */
import { createApp } from '@tessera/runtime';
import manifest from '../../manifest.json';

export const app = createApp({ manifest });
export const handler = app.defineFunction('getOrder', async ({ customer, request }) => ({
  body: (await customer.get(`/orders/${encodeURIComponent(request.query.id ?? '')}`)).data,
}));
