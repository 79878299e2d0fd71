/** $disconnect: the connection is gone; forget it. */
import { routes } from './ws-routes.js';

export const handler = routes.disconnect;
