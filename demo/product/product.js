/** The product page's behaviour: look an order up, add a note, show errors with their code. Text only, never HTML. */
import { createTesseraClient } from './tessera-client.js';

const functionsUrl = document.querySelector('meta[name="tessera-functions-url"]').content;
const tessera = createTesseraClient({ functionsUrl });
const $ = (id) => document.getElementById(id);
let currentOrderId;

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

async function lookUp(id) {
  const { order } = await tessera.invoke('getOrder', { id });
  showOrder(order);
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
      return lookUp(currentOrderId);
    })
    .catch(showError);
});
