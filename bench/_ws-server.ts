/** A WebSocket echo server for bench/ws-upgrade: plain `ws`, or behind the Tessera upgrade check (HS256 or ES256). */
import { createServer, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { createUpgradeVerifier, MemoryReplayStore, type UpgradeVerifierOptions } from '@tessera/verify';
import { createTesseraWebSocketServer } from '@tessera/verify/ws';
import { silentLogger } from '@tessera/protocol/log';

const [mode = 'none', portArg = '0'] = process.argv.slice(2);
const port = Number(portArg);
const origin = `ws://127.0.0.1:${port}`;
const echo = (ws: WebSocket): void => {
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
};

let onUpgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
if (mode === 'none') {
  // The same `ws` settings as Tessera's (no compression, the same payload cap), with no check at all.
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024, perMessageDeflate: false });
  onUpgrade = (req, socket, head) => wss.handleUpgrade(req, socket, head, echo);
} else {
  const keys: Partial<UpgradeVerifierOptions> =
    mode === 'es256'
      ? ({ algorithms: ['ES256'], keys: [JSON.parse(process.env.BENCH_JWK as string)] } as Partial<UpgradeVerifierOptions>)
      : { secrets: [process.env.BENCH_SECRET as string] };
  const verifier = createUpgradeVerifier({
    ...keys,
    issuer: 'order-lookup',
    installationId: 'acme',
    publicOrigin: origin,
    allowedOrigins: ['https://acme.helpdesk.example.com'],
    replayStore: new MemoryReplayStore(),
    logger: silentLogger,
  } as UpgradeVerifierOptions);
  const sockets = createTesseraWebSocketServer({ verifier, maxConnectionsPerInstallation: 100_000 }, echo);
  onUpgrade = sockets.handleUpgrade;
}
const server = createServer((_req, res) => res.writeHead(426).end());
server.on('upgrade', onUpgrade);
server.listen(port, '127.0.0.1');
