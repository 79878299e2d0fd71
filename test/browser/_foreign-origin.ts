/** A page on an origin the manifest does not allow (another loopback port), calling the functions from a browser. */
import { createServer, type Server } from 'node:http';
import { listenOnLoopback } from '../helpers/ports.js';

/** Runs in the foreign page: the same calls the product page makes, reporting what the browser let it read. */
const PAGE_SCRIPT = `
window.tryCall = async (functionsUrl, token) => {
  try {
    const headers = token ? { authorization: 'Bearer ' + token } : {};
    const res = await fetch(functionsUrl + '/getOrder?id=1001', { headers });
    return { outcome: 'read', status: res.status, body: await res.text() };
  } catch (err) {
    return { outcome: 'rejected', name: err.name };
  }
};
window.tryLive = (url, protocols) =>
  new Promise((resolve) => {
    const socket = new WebSocket(url, protocols);
    socket.onopen = () => { socket.close(); resolve('open'); };
    socket.onerror = () => resolve('refused');
  });
window.ready = true;
`;

export interface ForeignOrigin {
  url: string;
  close(): Promise<void>;
}

/** Serves `/` (a page) and `/foreign.js` (its script) on a loopback port the OS picks. */
export async function startForeignOrigin(): Promise<ForeignOrigin> {
  const server: Server = createServer((req, res) => {
    if (req.url === '/foreign.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(PAGE_SCRIPT);
      return;
    }
    res
      .writeHead(200, { 'content-type': 'text/html' })
      .end('<!doctype html><title>Elsewhere</title><script src="/foreign.js"></script><p>Another origin</p>');
  });
  const { url, close } = await listenOnLoopback(server);
  return { url, close };
}
