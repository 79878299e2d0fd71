/** $default: every message of a connection $connect accepted. */
import { routes } from './ws-routes.js';

export const handler = routes.default;
