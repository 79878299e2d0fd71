/** The customer's live order feed: only sockets whose ticket and Origin passed reach the handler. */
import { createServer } from 'node:http';
import { createUpgradeVerifier } from '@tessera/verify';
import { createTesseraWebSocketServer } from '@tessera/verify/ws';

const upgrades = createUpgradeVerifier({
  secrets: [process.env.TESSERA_SECRET!], // or algorithms + jwksUrl, as for request tokens
  issuer: 'order-lookup',
  installationId: 'acme',
  publicOrigin: 'wss://orders.acme.com',
  allowedOrigins: ['https://*.helpdesk.example.com'],
});
const sockets = createTesseraWebSocketServer({ verifier: upgrades }, (ws, verified) => {
  ws.send(JSON.stringify({ hello: verified.installationId, user: verified.user }));
});
const server = createServer();
server.on('upgrade', sockets.handleUpgrade);
server.listen(8443);
