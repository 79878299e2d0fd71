/** GET /getOrder?id=…: the order from the customer's server, labelled with the installation's prefix. */
import { app } from './_app.js';

interface Order {
  id: string;
  status: string;
}

export const handler = app.defineFunction('getOrder', async ({ request, customer, iparams }) => {
  const { data } = await customer.get<Order>(`/orders/${encodeURIComponent(request.query.id ?? '')}`);
  return { body: { order: data, label: `${iparams.order_prefix}${data.id}` } };
});
