/** createWebSocketRoutes' options: validated once at construction, TypeError on misuse, unknown keys refused. */
import { silentLogger } from '../../../../protocol/src/log.js';
import { createWebSocketRoutes, type WebSocketRoutesOptions } from '../../../src/websocket/index.js';
import { manifestFor } from './_ws-helpers.js';

const manifest = manifestFor('http://127.0.0.1:4200');
const GOOD = { manifest, protocols: ['tessera.v1'], offline: true, env: {}, logger: silentLogger } as const satisfies WebSocketRoutesOptions;
const make = (options: Record<string, unknown>) => () => createWebSocketRoutes({ ...GOOD, ...options } as unknown as WebSocketRoutesOptions);

describe('createWebSocketRoutes', () => {
  describe('options', () => {
    it('accepts the minimal options and exposes what it was built with', () => {
      // Act
      const routes = createWebSocketRoutes(GOOD);
      // Assess
      expect([typeof routes.connect, typeof routes.disconnect, typeof routes.default]).toEqual(['function', 'function', 'function']);
      expect([routes.protocols, routes.scopes]).toEqual([['tessera.v1'], []]);
      expect(Object.isFrozen(routes)).toBe(true);
    });

    it.each<[string, Record<string, unknown>, RegExp]>([
      ['an unknown key (typo)', { onconnect: () => undefined }, /unknown option "onconnect"/],
      ['no manifest', { manifest: undefined }, /option "manifest" must have app.id/],
      ['no protocols', { protocols: undefined }, /option "protocols" must be a non-empty list/],
      ['an empty protocol list', { protocols: [] }, /option "protocols" must be a non-empty list/],
      ['a protocol that is not a token', { protocols: ['tessera v1'] }, /must list subprotocol tokens/],
      ['a protocol in the session prefix', { protocols: ['tessera.session.x'] }, /none starting with "tessera.session."/],
      ['scopes not a list', { scopes: 'orders:read' }, /option "scopes" must be a list of scope names/],
      ['a scope with a space', { scopes: ['orders read'] }, /option "scopes" must be a list of scope names/],
      ['scopes and manifestFunction together', { scopes: [], manifestFunction: 'getOrder' }, /exclude each other/],
      ['a manifestFunction the manifest lacks', { manifestFunction: 'live' }, /"live" is not declared in manifest.json functions/],
      ['allowedOrigins "*"', { allowedOrigins: ['*'] }, /option "allowedOrigins"\[0\] must name origins/],
      ['allowedOrigins "null"', { allowedOrigins: ['null'] }, /option "allowedOrigins"\[0\] must name origins/],
      ['an allowed origin with a path', { allowedOrigins: ['https://a.example.com/app'] }, /option "allowedOrigins"\[0\]/],
      ['allowNoOrigin not a boolean', { allowNoOrigin: 'yes' }, /option "allowNoOrigin" must be true or false/],
      ['onConnect not a function', { onConnect: 'record' }, /option "onConnect" must be a function/],
      ['a logger without log()', { logger: {} }, /option "logger" must be a Logger/],
      ['offline on AWS Lambda', { env: { AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs20.x' } }, /offline mode cannot run on AWS Lambda/],
      ['offline onMessage without an endpoint', { onMessage: () => undefined }, /offline, option "endpoint" is required/],
      [
        'an http endpoint outside offline',
        { offline: false, manifest: manifestFor('https://platform.test'), endpoint: 'http://127.0.0.1:4001' },
        /must use https:\/\//,
      ],
      ['a manifest without session and no verifier', { manifest: { ...manifest, session: undefined } }, /no "session" section/],
    ])('refuses %s', (_name, options, message) => {
      // Assess
      expect(make(options)).toThrow(TypeError);
      expect(make(options)).toThrow(message);
    });

    it.each<[string, Record<string, unknown>, RegExp]>([
      ['without GET', { methods: ['POST'] }, /must declare GET/],
      ['csrf: true', { methods: ['GET'], csrf: true }, /csrf: true, which a WebSocket cannot present/],
      ['accepting Basic', { methods: ['GET'], credentials: ['session', 'basic'] }, /credentials other than the session/],
    ])('refuses a manifestFunction %s', (_name, declared, message) => {
      // Prepare
      const withLive = { ...manifest, functions: { ...manifest.functions, live: declared } };
      // Assess
      expect(make({ manifest: withLive, manifestFunction: 'live' })).toThrow(message);
    });

    it('refuses a manifest cors "*" as the WebSocket allowlist: any page could open a socket', () => {
      // Prepare
      const anyOrigin = { ...manifest, cors: { allowedOrigins: ['*'] } };
      // Assess
      expect(make({ manifest: anyOrigin })).toThrow(/manifest cors.allowedOrigins\[0\] must name origins/);
    });

    it('treats an explicit undefined as an absent option', () => {
      // Assess
      expect(make({ scopes: undefined, session: undefined, allowNoOrigin: undefined })).not.toThrow();
    });
  });
});
