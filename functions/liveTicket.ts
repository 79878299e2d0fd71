/** POST /liveTicket {"orderId"}: a ticket for the customer's live feed of one order, for the session's user. */
import { TesseraError } from '@tessera/runtime';
import { app } from './_app.js';

const ORDER_ID = /^[A-Za-z0-9-]{1,32}$/;

export const handler = app.defineWsTicketFunction('liveTicket', {
  path: ({ request }) => {
    const orderId = request.json<{ orderId?: unknown }>().orderId;
    if (typeof orderId !== 'string' || !ORDER_ID.test(orderId)) {
      throw new TesseraError('ERR_BAD_REQUEST', { message: 'body "orderId" must be 1-32 letters, digits or dashes' });
    }
    return `/orders/live?order=${orderId}`;
  },
});
