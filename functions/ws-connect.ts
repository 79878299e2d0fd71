/** $connect: the Origin and the platform session (second in Sec-WebSocket-Protocol) are checked before anything runs. */
import { routes } from './ws-routes.js';

export const handler = routes.connect;
