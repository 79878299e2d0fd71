/** `$default` and `$disconnect`: the app gets the connection id and the message, and `send` posts to the connection. */
import { startRecorder, type Recorder } from '../../../../../test/helpers/http-recorder.js';
import { capturedLogger } from '../inbound/_session-helpers.js';
import { createWebSocketRoutes, type WebSocketDisconnectContext, type WebSocketMessageContext } from '../../../src/websocket/index.js';
import { CONNECTION_ID, disconnectEvent, manifestFor, messageEvent } from './_ws-helpers.js';

let api: Recorder;

beforeEach(async () => {
  api = await startRecorder();
  api.respond((_req, res) => res.writeHead(200).end());
});
afterEach(() => api.close());

function routesWith(options: { onMessage?: (ctx: WebSocketMessageContext) => unknown; onDisconnect?: (ctx: WebSocketDisconnectContext) => unknown }) {
  const { logger, lines } = capturedLogger();
  const routes = createWebSocketRoutes({
    manifest: manifestFor('http://127.0.0.1:4200'),
    protocols: ['tessera.v1'],
    offline: true,
    env: {},
    endpoint: api.origin,
    logger,
    ...(options as object),
  });
  return { routes, lines };
}

describe('createWebSocketRoutes', () => {
  describe('default', () => {
    it('hands onMessage the connection id and the body, and answers 200', async () => {
      // Prepare
      const seen: { connectionId: string; body: string }[] = [];
      const { routes } = routesWith({ onMessage: ({ connectionId, body }) => void seen.push({ connectionId, body }) });
      // Act
      const res = await routes.default(messageEvent('{"action":"ping"}'));
      // Assess
      expect(res).toEqual({ statusCode: 200 });
      expect(seen).toEqual([{ connectionId: CONNECTION_ID, body: '{"action":"ping"}' }]);
    });

    it('decodes a binary (base64) frame as UTF-8 text', async () => {
      // Prepare
      const seen: string[] = [];
      const { routes } = routesWith({ onMessage: ({ body }) => void seen.push(body) });
      // Act
      await routes.default(messageEvent(Buffer.from('héllo').toString('base64'), true));
      // Assess
      expect(seen).toEqual(['héllo']);
    });

    it('send posts to this connection through the management API, signed by the SDK', async () => {
      // Prepare
      const results: string[] = [];
      const { routes } = routesWith({ onMessage: async ({ send }) => void results.push(await send('{"type":"pong"}')) });
      // Act
      await routes.default(messageEvent('{"action":"ping"}'));
      // Assess
      expect(results).toEqual(['sent']);
      expect(api.requests).toHaveLength(1);
      const [post] = api.requests;
      expect([post?.method, post?.url]).toEqual(['POST', `/@connections/${encodeURIComponent(CONNECTION_ID)}`]);
      expect(String(post?.headers.authorization)).toMatch(/^AWS4-HMAC-SHA256 Credential=test\/\d{8}\/us-east-1\/execute-api\/aws4_request/);
      expect(post?.body.toString()).toBe('{"type":"pong"}');
    });

    it('answers 500 ERR_INTERNAL when onMessage throws, logging the error name and frames, never its message', async () => {
      // Prepare
      const { routes, lines } = routesWith({
        onMessage: () => {
          throw new Error('leaked value 12345');
        },
      });
      // Act
      const res = await routes.default(messageEvent('x'));
      // Assess
      expect(res.statusCode).toBe(500);
      expect(JSON.parse(String(res.body))).toEqual({ error: { code: 'ERR_INTERNAL', message: 'Internal error' } });
      expect(lines.map((l) => JSON.parse(l))).toEqual([
        expect.objectContaining({ event: 'websocket.failed', route: '$default', errorName: 'Error' }),
      ]);
      expect(lines.join('\n')).not.toContain('12345');
    });
  });

  describe('disconnect', () => {
    it('hands onDisconnect the connection id and answers 200', async () => {
      // Prepare
      const gone: string[] = [];
      const { routes } = routesWith({ onDisconnect: ({ connectionId }) => void gone.push(connectionId) });
      // Act
      const res = await routes.disconnect(disconnectEvent());
      // Assess
      expect(res).toEqual({ statusCode: 200 });
      expect(gone).toEqual([CONNECTION_ID]);
    });

    it('answers 200 with no callback at all', async () => {
      // Prepare
      const { routes } = routesWith({});
      // Act
      const res = await routes.disconnect(disconnectEvent());
      // Assess
      expect(res.statusCode).toBe(200);
    });
  });
});
