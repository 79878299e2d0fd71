/**
 * The product page's behaviour: look an order up, follow its status live, add a note, show errors with their code.
 * Text only, never HTML.
 */
import { createTesseraClient } from './tessera-client.js';

const functionsUrl = document.querySelector('meta[name="tessera-functions-url"]').content;
const tessera = createTesseraClient({ functionsUrl });
const $ = (id) => document.getElementById(id);
let currentOrderId;
let live;

function showError(err) {
  $('error-code').textContent = err?.code ?? 'ERR_UNKNOWN';
  $('error-message').textContent = err?.code ? String(err.message).replace(`${err.code}: `, '') : 'Unexpected error';
  $('error').hidden = false;
}

function showOrder(order) {
  $('error').hidden = true;
  currentOrderId = order.id;
  $('order-field-id').textContent = order.id;
  $('order-field-status').textContent = order.status;
  $('order-field-total').textContent = `${order.total} ${order.currency ?? ''}`.trim();
  const list = $('order-notes');
  list.replaceChildren(...(order.notes ?? []).map((n) => Object.assign(document.createElement('li'), { textContent: n.text })));
  $('order').hidden = false;
}

/**
 * Follows the order's status on the customer's live feed. The function mints a single-use ticket; it rides in the
 * subprotocol list, after the application protocol, never in the URL.
 */
async function follow(orderId) {
  live?.close();
  $('live').textContent = 'connecting…';
  const { url, protocols } = await tessera.invoke('liveTicket', { orderId });
  const socket = new WebSocket(url, protocols);
  live = socket;
  socket.addEventListener('open', () => {
    $('live').textContent = 'live';
  });
  socket.addEventListener('message', (event) => {
    const update = JSON.parse(event.data);
    if (update.type === 'status' && update.orderId === currentOrderId) $('order-field-status').textContent = update.status;
    if (update.type === 'note' && update.orderId === currentOrderId) lookUp(currentOrderId, false).catch(showError);
  });
  socket.addEventListener('close', () => {
    if (live === socket) $('live').textContent = 'not live';
  });
}

async function lookUp(id, subscribe = true) {
  const { order } = await tessera.invoke('getOrder', { id });
  showOrder(order);
  if (subscribe) follow(order.id).catch(showError);
}

$('lookup').addEventListener('submit', (event) => {
  event.preventDefault();
  lookUp($('order-id').value.trim()).catch(showError);
});

$('note').addEventListener('submit', (event) => {
  event.preventDefault();
  const text = $('note-text').value.trim();
  tessera
    .invoke('addNote', { orderId: currentOrderId, text })
    .then(() => {
      $('note-text').value = '';
      return lookUp(currentOrderId, false);
    })
    .catch(showError);
});
