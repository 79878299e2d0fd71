/** POST /liveTicket?order=…: a ticket for the customer's live order feed, for the session's user. */
import { app } from '../functions/_app.js';

export const handler = app.defineWsTicketFunction('liveTicket', {
  path: ({ request }) => `/orders/live?order=${encodeURIComponent(request.query.order ?? '')}`,
});
// The page: const { url, protocols } = await (await fetch(ticketUrl, { method: 'POST', headers })).json();
//           const socket = new WebSocket(url, protocols); // the ticket rides in protocols, never in url
