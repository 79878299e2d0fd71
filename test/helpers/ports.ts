/** Waiting on servers by polling their ports, never by reading their logs (the framework's own helper). */
export { isListening, waitForPort } from '../../src/offline/index.js';
