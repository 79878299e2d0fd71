/** Tessera's browser client: gets the platform's session, calls the app's functions with it, surfaces errors by code. */

/** Renew the session this long before it expires, so a call never leaves with a token about to lapse. */
const RENEW_BEFORE_EXPIRY_MS = 30_000;
/** How each function is called; anything not listed is a POST with a JSON body. */
const DEFAULT_METHODS = { getOrder: 'GET', addNote: 'POST' };

/** An error with the function's stable code (`ERR_…`), its HTTP status (0 when no answer could be read). */
function tesseraError(code, message, status) {
  const err = new Error(`${code}: ${message}`);
  err.name = 'TesseraError';
  err.code = code;
  err.status = status;
  return err;
}

async function readError(res) {
  try {
    const body = await res.json();
    if (body?.error && typeof body.error.code === 'string') {
      return tesseraError(body.error.code, String(body.error.message ?? ''), res.status);
    }
  } catch {
    // Not JSON: fall through to a generic code; the raw body is never shown.
  }
  return tesseraError('ERR_HTTP', `HTTP ${res.status}`, res.status);
}

/**
 * Creates a client for the app's functions.
 * @example
 * const tessera = createTesseraClient({ functionsUrl: 'http://127.0.0.1:4000' });
 * const { order } = await tessera.invoke('getOrder', { id: '1001' });
 */
export function createTesseraClient({
  functionsUrl,
  sessionUrl = '/session',
  methods = DEFAULT_METHODS,
  fetch: fetchFn = globalThis.fetch.bind(globalThis),
  now = Date.now,
} = {}) {
  if (typeof functionsUrl !== 'string' || functionsUrl === '') throw new TypeError('createTesseraClient: functionsUrl is required');
  const base = functionsUrl.replace(/\/+$/, '');
  let session; // { token, expiresAtMs }
  let pendingSession;
  let csrfToken;

  async function sessionToken() {
    if (session && now() < session.expiresAtMs - RENEW_BEFORE_EXPIRY_MS) return session.token;
    // Concurrent calls share one session request.
    pendingSession ??= (async () => {
      let res;
      try {
        res = await fetchFn(sessionUrl, { method: 'POST', credentials: 'same-origin' });
      } catch {
        throw tesseraError('ERR_NETWORK', 'the platform could not be reached', 0);
      }
      if (!res.ok) throw await readError(res);
      const { token, expiresInSec } = await res.json();
      session = { token, expiresAtMs: now() + expiresInSec * 1000 };
      return token;
    })().finally(() => {
      pendingSession = undefined;
    });
    return pendingSession;
  }

  /**
   * A double-submit token from the functions, fetched with the session (it is bound to it) and with credentials so
   * the browser keeps its cookie.
   */
  async function fetchCsrfToken(bearer) {
    let res;
    try {
      res = await fetchFn(`${base}/csrf`, { method: 'GET', headers: { authorization: `Bearer ${bearer}` }, credentials: 'include' });
    } catch {
      throw tesseraError('ERR_NETWORK', 'the functions could not be reached', 0);
    }
    if (!res.ok) throw await readError(res);
    const token = (await res.json())?.token;
    if (typeof token !== 'string' || token === '') throw tesseraError('ERR_CSRF_INVALID', 'no CSRF token in the answer', res.status);
    return token;
  }

  async function send(name, payload, token) {
    const method = methods[name] ?? 'POST';
    const headers = { authorization: `Bearer ${token}` };
    let url = `${base}/${encodeURIComponent(name)}`;
    let body;
    if (method === 'GET') {
      const query = new URLSearchParams();
      for (const [k, v] of Object.entries(payload ?? {})) query.set(k, String(v));
      const text = query.toString();
      if (text !== '') url += `?${text}`;
    } else {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(payload ?? {});
    }
    if (csrfToken !== undefined) headers['x-csrf-token'] = csrfToken;
    try {
      // Credentials (cookies) travel only once a CSRF token is in play: the session token needs none.
      return await fetchFn(url, { method, headers, body, credentials: csrfToken === undefined ? 'omit' : 'include' });
    } catch {
      // A CORS refusal and a network failure look the same to a page: no answer to read.
      throw tesseraError('ERR_NETWORK', 'the function could not be reached or refused this origin', 0);
    }
  }

  /**
   * Calls a function: GET with a query for GET functions, POST with JSON otherwise. Resolves to the JSON answer;
   * rejects with an Error whose `.code` is the function's error code (or `ERR_NETWORK`).
   * @example
   * await tessera.invoke('addNote', { orderId: '1001', text: 'Called the customer' });
   */
  async function invoke(name, payload) {
    let res = await send(name, payload, await sessionToken());
    if (!res.ok) {
      const err = await readError(res);
      if (err.code === 'ERR_SESSION_EXPIRED') {
        session = undefined;
        res = await send(name, payload, await sessionToken());
      } else if (err.code === 'ERR_CSRF_INVALID') {
        csrfToken = await fetchCsrfToken(await sessionToken());
        res = await send(name, payload, await sessionToken());
      } else {
        throw err;
      }
      if (!res.ok) throw await readError(res);
    }
    return res.status === 204 ? null : res.json();
  }

  return { invoke };
}
