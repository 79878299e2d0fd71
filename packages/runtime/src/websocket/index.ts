/** WebSocket: the app's own routes on API Gateway (`$connect` guarded by Origin and session) and posts to connections. */
export {
  createWebSocketRoutes,
  type WebSocketConnectContext,
  type WebSocketConnectEvent,
  type WebSocketDisconnectContext,
  type WebSocketHandler,
  type WebSocketMessageContext,
  type WebSocketRoutes,
  type WebSocketRoutesOptions,
} from './websocket-routes.js';
export {
  connectionEndpoint,
  createConnectionClient,
  MAX_CONNECTION_MESSAGE_BYTES,
  type ConnectionClient,
  type ConnectionClientOptions,
  type ConnectionPostResult,
} from './connection-client.js';
export { webSocketSessionProtocols, WS_SESSION_PROTOCOL_PREFIX } from './session-protocols.js';
