/** GET /getOrder?id=…: looks an order up on the customer's server. */
import { CustomerHttpError, TesseraError } from '@tessera/runtime';
import { app } from './_app.js';

interface Order {
  id: string;
  status: string;
  total: number;
  currency: string;
  notes?: { text: string; at: string }[];
}

const ORDER_ID = /^[A-Za-z0-9-]{1,32}$/;

export const handler = app.defineFunction('getOrder', async ({ request, customer, iparams }) => {
  const id = request.query.id ?? '';
  if (!ORDER_ID.test(id)) {
    throw new TesseraError('ERR_BAD_REQUEST', { message: 'query "id" must be 1-32 letters, digits or dashes' });
  }
  try {
    const { data } = await customer.get<Order>(`/orders/${encodeURIComponent(id)}`);
    return { body: { order: { ...data, label: `${iparams.order_prefix ?? ''}${data.id}` } } };
  } catch (err) {
    if (err instanceof CustomerHttpError && err.upstreamStatus === 404) {
      return { status: 404, body: { error: { code: 'ORDER_NOT_FOUND', message: 'No such order' } } };
    }
    throw err;
  }
});
