/**
 * The example app's own WebSocket API: a product page opens `wss://…` with
 * `['tessera.v1', 'tessera.session.<jwt>']`, and sends `{"action":"ping"}`; the app answers through `@connections`.
 */
import { createWebSocketRoutes } from '@tessera/runtime/websocket';
import manifest from '../manifest.json';

export const routes = createWebSocketRoutes({
  manifest,
  protocols: ['tessera.v1'],
  scopes: ['orders:read'],
  // serverless.yml names serverless offline's management API offline; on AWS it is empty, and each event names it.
  endpoint: process.env.WS_MANAGEMENT_ENDPOINT || undefined,
  // A real app records the connection here (connection id to installation, in a table its other functions read):
  // later events carry the connection id only.
  onConnect: ({ connectionId, installationId, session, logger }) => {
    logger.log('info', 'ws.connected', { connectionId, installationId, subject: session.subject });
  },
  onMessage: async ({ connectionId, body, send }) => {
    let action: unknown;
    try {
      action = (JSON.parse(body) as { action?: unknown }).action;
    } catch {
      action = undefined;
    }
    if (action === 'ping') await send(JSON.stringify({ type: 'pong', connectionId }));
    else await send(JSON.stringify({ error: { code: 'ERR_BAD_REQUEST', message: 'send {"action":"ping"}' } }));
  },
  onDisconnect: ({ connectionId, logger }) => {
    logger.log('info', 'ws.disconnected', { connectionId });
  },
});
