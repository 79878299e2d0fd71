/** The app's own socket: $connect records who connected, $default answers, $disconnect forgets. */
import { createWebSocketRoutes } from '@tessera/runtime/websocket';
import manifest from '../../manifest.json';

/** connectionId → installationId; a real app keeps this in a table all its functions read. */
const connections = new Map<string, string>();

export const routes = createWebSocketRoutes({
  manifest,
  protocols: ['tessera.v1'],
  scopes: ['orders:read'],
  endpoint: process.env.WS_MANAGEMENT_ENDPOINT || undefined, // offline only; on AWS each event names its stage
  onConnect: ({ connectionId, installationId }) => void connections.set(connectionId, installationId),
  onMessage: async ({ connectionId, body, send }) => {
    const installationId = connections.get(connectionId); // later events carry the connection id only
    await send(JSON.stringify({ installationId, received: body.length }));
  },
  onDisconnect: ({ connectionId }) => void connections.delete(connectionId),
});
// serverless.yml: handler functions/ws-connect.handler → export const handler = routes.connect; likewise
// routes.disconnect ($disconnect) and routes.default ($default).
