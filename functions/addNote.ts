/** POST /addNote {orderId, text}: records a note on the customer's order. */
import { TesseraError } from '@tessera/runtime';
import { app } from './_app.js';

const ORDER_ID = /^[A-Za-z0-9-]{1,32}$/;
const MAX_NOTE_CHARS = 2_000;

export const handler = app.defineFunction('addNote', async ({ request, customer }) => {
  const input = request.json<{ orderId?: unknown; text?: unknown }>();
  if (typeof input.orderId !== 'string' || !ORDER_ID.test(input.orderId)) {
    throw new TesseraError('ERR_BAD_REQUEST', { message: 'field "orderId" must be 1-32 letters, digits or dashes' });
  }
  if (typeof input.text !== 'string' || input.text.length === 0 || input.text.length > MAX_NOTE_CHARS) {
    throw new TesseraError('ERR_BAD_REQUEST', { message: `field "text" must be 1-${MAX_NOTE_CHARS} characters` });
  }
  const { status, data } = await customer.post(`/orders/${encodeURIComponent(input.orderId)}/notes`, { text: input.text });
  return { status, body: data };
});
